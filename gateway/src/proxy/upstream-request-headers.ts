import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { connectionNamedHeaders, isHopByHop } from './hop-by-hop.js'

/**
 * Headers for the upstream request made on behalf of a client request, as the flat
 * `[name, value, name, value, ...]` list undici accepts. Names keep the client's spelling and
 * order; duplicates stay separate.
 *
 * - hop-by-hop headers are dropped, and so is `Expect` (Node already answered `100 Continue`, and
 *   undici refuses the header);
 * - `X-Forwarded-For` gets the client address appended, `X-Forwarded-Proto` and `X-Forwarded-Host`
 *   are set to what this gateway saw;
 * - `Host` is kept (`preserveHost`) or left out so undici sends the upstream's own host.
 */
export function upstreamRequestHeaders(req: IncomingMessage, preserveHost: boolean): string[] {
  const raw = req.rawHeaders
  const named = req.headers.connection === undefined ? undefined : connectionNamedHeaders(req.headers.connection)
  const out: string[] = []
  let host: string | undefined
  let forwardedFor: string | undefined
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
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
        continue
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
      case 'expect':
        continue
    }
    if (isHopByHop(lower) || (named !== undefined && named.has(lower))) continue
    out.push(name, value)
  }
  if (preserveHost && host !== undefined) out.push('host', host)
  const clientIp = req.socket.remoteAddress
  if (clientIp !== undefined) out.push('x-forwarded-for', forwardedFor === undefined ? clientIp : `${forwardedFor}, ${clientIp}`)
  else if (forwardedFor !== undefined) out.push('x-forwarded-for', forwardedFor)
  out.push('x-forwarded-proto', (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http')
  if (host !== undefined) out.push('x-forwarded-host', host)
  return out
}
