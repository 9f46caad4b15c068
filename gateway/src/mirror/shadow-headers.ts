import type { IncomingMessage } from 'node:http'
import type { TrustedProxies } from '../proxy/trusted-proxies.js'
import { upstreamRequestHeaders } from '../proxy/upstream-request-headers.js'
import type { CompiledHeaderRewrites } from '../routes/route-table.js'
import { COPY_HEADER, MIRROR_MARKER_HEADER } from './mirror-marker.js'

/**
 * Headers of the copy sent to a shadow: what the primary gets (client headers minus hop-by-hop,
 * plus X-Forwarded-*), then the route's rewrites, then the mirror marker - last, so no rewrite can
 * remove it. A client's own copy numbering is removed: only the gateway numbers copies.
 */
export function shadowRequestHeaders(req: IncomingMessage, preserveHost: boolean, trusted: TrustedProxies, rewrites: CompiledHeaderRewrites): string[] {
  const base = upstreamRequestHeaders(req, preserveHost, trusted)
  const out: string[] = []
  for (let i = 0; i < base.length; i += 2) {
    const lower = (base[i] as string).toLowerCase()
    if (rewrites.drop.has(lower) || lower === MIRROR_MARKER_HEADER || lower === COPY_HEADER) continue
    out.push(base[i] as string, base[i + 1] as string)
  }
  for (const [name, value] of rewrites.set) out.push(name, value)
  out.push(MIRROR_MARKER_HEADER, '1')
  return out
}
