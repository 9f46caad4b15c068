/** Replaces the value of a redacted parameter or header. */
export const REDACTED = '[redacted]'

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    // A malformed escape is still compared as written, so `tok%en=` cannot slip through by being invalid.
    return raw
  }
}

/**
 * The name a common server framework reads a query parameter as, reduced to one comparable form:
 * percent-decoded (`+` as space), trimmed, lower-cased, cut at the first `[` (PHP, Rails and
 * Express's qs read `token[]`, `token[0]` and `token[a]` as `token`), with `.` and spaces as `_`
 * (PHP reads `api.key` and `api key` as `api_key`). Configured names go through the same function,
 * so a secret cannot survive by a spelling the upstream would still accept.
 */
export function queryParamBaseName(raw: string): string {
  const name = decodeName(raw).trim().toLowerCase()
  const bracket = name.indexOf('[')
  return (bracket < 0 ? name : name.slice(0, bracket)).replace(/[. ]/g, '_')
}

/** The comparable set of configured parameter names (see queryParamBaseName). */
export function queryRedactionNames(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map(queryParamBaseName))
}

/**
 * Replaces the values of the named parameters in a query string (without `?`). Pairs are split on
 * `&` and on `;` (Rack, Tomcat's and older Python's parsers also split there); every occurrence of
 * a name is redacted. Everything else stays byte-identical, separators, order and encodings included.
 */
export function redactQueryString(query: string, names: ReadonlySet<string>): string {
  if (names.size === 0 || query === '') return query
  return query.replace(/[^&;]+/g, (pair) => {
    const eq = pair.indexOf('=')
    if (eq < 0) return pair
    return names.has(queryParamBaseName(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${REDACTED}` : pair
  })
}

/**
 * Redacts path parameters (`/orders;token=abc/1`, Servlet containers' and Spring's matrix
 * parameters) the same way: a path segment's `;name=value` pairs are read as parameters there.
 */
export function redactPathParameters(path: string, names: ReadonlySet<string>): string {
  if (names.size === 0 || !path.includes(';')) return path
  return path
    .split('/')
    .map((segment) => {
      const semi = segment.indexOf(';')
      return semi < 0 ? segment : segment.slice(0, semi + 1) + redactQueryString(segment.slice(semi + 1), names)
    })
    .join('/')
}

/**
 * The form header names are compared in for redaction: lower-case, with `_` as `-`, because
 * CGI-style servers (PHP, WSGI, Rack) read `X_Api_Key` and `X-Api-Key` as the same `HTTP_X_API_KEY`.
 */
export function headerRedactionName(name: string): string {
  const lower = name.toLowerCase()
  return lower.includes('_') ? lower.replace(/_/g, '-') : lower
}
