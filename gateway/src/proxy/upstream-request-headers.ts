import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { connectionNamedHeaders, isHopByHop } from './hop-by-hop.js'
import type { TrustedProxies } from './trusted-proxies.js'

/**
 * Headers for the upstream request made on behalf of a client request, as the flat
 * `[name, value, name, value, ...]` list undici accepts. Names keep the client's spelling and
 * order; duplicates stay separate.
 *
 * - hop-by-hop headers are dropped, and so is `Expect` (Node already answered `100 Continue`, and
 *   undici refuses the header);
 * - from a trusted proxy (`trusted`), `X-Forwarded-For` gets the peer address appended and
 *   `X-Forwarded-Proto`, `X-Forwarded-Host` and `Forwarded` are kept (each set to what this gateway
 *   saw when absent); from anyone else `X-Forwarded-For` is the peer address alone,
 *   `X-Forwarded-Proto`/`-Host` are what this gateway saw and `Forwarded` is dropped, so a client
 *   cannot make an upstream believe another address, scheme or host;
 * - `Host` is kept (`preserveHost`) or left out so undici sends the upstream's own host.
 */
export function upstreamRequestHeaders(req: IncomingMessage, preserveHost: boolean, trusted: TrustedProxies): string[] {
  const raw = req.rawHeaders
  const named = req.headers.connection === undefined ? undefined : connectionNamedHeaders(req.headers.connection)
  const clientIp = req.socket.remoteAddress
  const fromProxy = trusted.trusts(clientIp)
  const out: string[] = []
  let host: string | undefined
  let forwardedFor: string | undefined
  let keptProto = false
  let keptHost = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    const value = raw[i + 1] as string
    const lower = name.toLowerCase()
    switch (lower) {
      case 'host':
        // A second Host header is a client error; forwarding only the first keeps undici happy.
        host ??= value
        continue
      case 'x-forwarded-for':
        if (fromProxy) forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
        continue
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
      case 'forwarded':
        if (!fromProxy || isHopByHop(lower) || (named !== undefined && named.has(lower))) continue
        if (lower === 'x-forwarded-proto') keptProto = true
        else if (lower === 'x-forwarded-host') keptHost = true
        out.push(name, value)
        continue
      case 'expect':
        continue
    }
    if (isHopByHop(lower) || (named !== undefined && named.has(lower))) continue
    out.push(name, value)
  }
  if (preserveHost && host !== undefined) out.push('host', host)
  if (clientIp !== undefined) out.push('x-forwarded-for', forwardedFor === undefined ? clientIp : `${forwardedFor}, ${clientIp}`)
  else if (forwardedFor !== undefined) out.push('x-forwarded-for', forwardedFor)
  if (!keptProto) out.push('x-forwarded-proto', (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http')
  if (!keptHost && host !== undefined) out.push('x-forwarded-host', host)
  return out
}
