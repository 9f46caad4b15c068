/**
 * Whether a request carries more than one Host header line. RFC 9112 §3.2 requires a 400 for it;
 * Node's parser accepts it and keeps the first, while a proxy in front of the gateway may have
 * used another one, so the request would mean different hosts to different hops.
 */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = false
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue
    if (seen) return true
    seen = true
  }
  return false
}
