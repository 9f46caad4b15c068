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

/**
 * Splits a request target into path and query and redacts the values of the named parameters.
 * Names match case-insensitively after percent-decoding (`Api%5FKey` is `api_key`), because a
 * secret must not survive by a spelling the upstream would still accept. Everything else in the
 * query stays byte-identical, including order, empty pairs and encodings.
 */
export function splitAndRedactUrl(url: string, redactNames: readonly string[]): SplitUrl {
  const q = url.indexOf('?')
  if (q < 0) return { path: url, query: '' }
  const path = url.slice(0, q)
  const query = url.slice(q + 1)
  if (redactNames.length === 0 || query === '') return { path, query }
  const names = new Set(redactNames.map((n) => n.toLowerCase()))
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=')
    if (eq < 0) return part
    return names.has(decodeName(part.slice(0, eq)).toLowerCase()) ? `${part.slice(0, eq)}=${REDACTED}` : part
  })
  return { path, query: parts.join('&') }
}
