/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), so a proxy must not
 * forward them: Connection and every header it names, Keep-Alive, Proxy-*, TE, Trailer,
 * Transfer-Encoding and Upgrade. Names are compared lower-cased.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

export function isHopByHop(lowerName: string): boolean {
  return HOP_BY_HOP.has(lowerName) || lowerName.startsWith('proxy-')
}

/** Connection values that name no other header: nearly every message carries one of these. */
const PLAIN_CONNECTION: ReadonlySet<string> = new Set(['keep-alive', 'close', 'Keep-Alive', 'Close'])

/** Header names listed in a Connection header value (lower-cased), beyond the usual close/keep-alive. */
export function connectionNamedHeaders(value: string | readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined
  // Node and undici hand over a response's Connection header as a one-value list.
  if (typeof value === 'string' ? PLAIN_CONNECTION.has(value) : value.length === 1 && PLAIN_CONNECTION.has(value[0] as string)) return undefined
  let named: Set<string> | undefined
  const values = typeof value === 'string' ? [value] : value
  for (const v of values) {
    for (const token of v.split(',')) {
      const name = token.trim().toLowerCase()
      if (name === '' || name === 'close' || name === 'keep-alive') continue
      ;(named ??= new Set()).add(name)
    }
  }
  return named
}
