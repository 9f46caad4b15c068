import type { UpstreamTarget } from './upstream-target.js'

/**
 * The path undici sends upstream for a raw request target: the upstream's base path followed by
 * the target exactly as the client wrote it. An absolute-form target (`http://host/p?q`) is
 * reduced to its origin-form (`/p?q`), as RFC 9112 asks of a server. Returns undefined for
 * targets that cannot be forwarded (`*`, garbage).
 */
export function upstreamPath(target: UpstreamTarget, rawUrl: string): string | undefined {
  if (rawUrl.charCodeAt(0) === 47 /* '/' */) return target.basePath === '' ? rawUrl : target.basePath + rawUrl
  const m = /^https?:\/\/[^/?#]*/i.exec(rawUrl)
  if (m === null) return undefined
  const rest = rawUrl.slice(m[0].length)
  const path = rest === '' ? '/' : rest.charCodeAt(0) === 63 /* '?' */ ? `/${rest}` : rest
  if (path.charCodeAt(0) !== 47) return undefined
  return target.basePath + path
}
