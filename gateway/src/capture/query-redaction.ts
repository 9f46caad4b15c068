/** Replaces the value of a redacted query parameter. */
export const REDACTED = '[redacted]'

export interface SplitUrl {
  /** Path without the query string. */
  readonly path: string
  /** Query string without the leading `?`, redacted parameters' values replaced. */
  readonly query: string
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    // A malformed escape is still compared as written, so `tok%en=` cannot slip through by being invalid.
    return raw
  }
}

/** The set splitAndRedactUrl compares with: build it once and pass it instead of the list on hot paths. */
export function redactionNames(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((n) => n.toLowerCase()))
}

/**
 * Splits a request target into path and query and redacts the values of the named parameters.
 * Names match case-insensitively after percent-decoding (`Api%5FKey` is `api_key`), because a
 * secret must not survive by a spelling the upstream would still accept. Everything else in the
 * query stays byte-identical, including order, empty pairs and encodings.
 */
export function splitAndRedactUrl(url: string, redactNames: readonly string[] | ReadonlySet<string>): SplitUrl {
  const q = url.indexOf('?')
  if (q < 0) return { path: url, query: '' }
  const path = url.slice(0, q)
  const query = url.slice(q + 1)
  const names = redactNames instanceof Set ? redactNames : redactionNames(redactNames as readonly string[])
  if (names.size === 0 || query === '') return { path, query }
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=')
    if (eq < 0) return part
    return names.has(decodeName(part.slice(0, eq)).toLowerCase()) ? `${part.slice(0, eq)}=${REDACTED}` : part
  })
  return { path, query: parts.join('&') }
}
