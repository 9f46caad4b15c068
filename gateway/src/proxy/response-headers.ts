import type { IncomingHttpHeaders } from 'node:http'
import { connectionNamedHeaders, isHopByHop } from './hop-by-hop.js'

type RawHeaders = readonly (Buffer | string)[]

function text(v: Buffer | string): string {
  // latin1 maps every byte to one char and Node writes header strings back as latin1: byte-exact.
  return typeof v === 'string' ? v : v.toString('latin1')
}

/**
 * The response headers to hand to the client, as a flat `[name, value, ...]` list for
 * `res.writeHead`: everything the upstream sent, in its order and spelling, except hop-by-hop
 * headers. Accepts undici's raw header list, or its parsed object when no raw list exists.
 */
export function clientResponseHeaders(raw: RawHeaders | IncomingHttpHeaders): string[] {
  const out: string[] = []
  let connection: string[] | undefined
  if (Array.isArray(raw)) {
    const list = raw as RawHeaders
    for (let i = 0; i < list.length; i += 2) {
      const name = text(list[i] as Buffer | string)
      const lower = name.toLowerCase()
      if (lower === 'connection') (connection ??= []).push(text(list[i + 1] as Buffer | string))
      else if (!isHopByHop(lower)) out.push(name, text(list[i + 1] as Buffer | string))
    }
  } else {
    for (const [name, value] of Object.entries(raw as IncomingHttpHeaders)) {
      if (value === undefined) continue
      if (name === 'connection') connection = Array.isArray(value) ? value : [value]
      else if (!isHopByHop(name)) for (const v of Array.isArray(value) ? value : [value]) out.push(name, v)
    }
  }
  const named = connection === undefined ? undefined : connectionNamedHeaders(connection)
  if (named === undefined) return out
  const kept: string[] = []
  for (let i = 0; i < out.length; i += 2) if (!named.has((out[i] as string).toLowerCase())) kept.push(out[i] as string, out[i + 1] as string)
  return kept
}
