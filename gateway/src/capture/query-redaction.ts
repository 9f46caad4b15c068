import { queryRedactionNames, redactPathParameters, redactQueryString } from '@shadowgate/shared'

export interface SplitUrl {
  /** Path without the query string, redacted path parameters' values replaced. */
  readonly path: string
  /** Query string without the leading `?`, redacted parameters' values replaced. */
  readonly query: string
}

/**
 * Splits a request target into path and query and redacts the values of the named parameters in
 * every spelling a common server framework reads as that parameter (see queryParamBaseName in
 * shared: any case, percent-encoded, `name[]`, `name[0]`, `;` separators, path parameters,
 * repeated keys). Everything else stays byte-identical, including order, empty pairs and encodings.
 */
export function splitAndRedactUrl(url: string, redactNames: readonly string[] | ReadonlySet<string>): SplitUrl {
  // Pass the set from queryRedactionNames on hot paths: it is built once per route.
  const names = redactNames instanceof Set ? redactNames : queryRedactionNames(redactNames as readonly string[])
  const q = url.indexOf('?')
  if (q < 0) return { path: redactPathParameters(url, names), query: '' }
  return { path: redactPathParameters(url.slice(0, q), names), query: redactQueryString(url.slice(q + 1), names) }
}

/** The request target with redacted values replaced, as logs show it (path, then `?query` when there is one). */
export function redactedTarget(url: string, names: ReadonlySet<string>): string {
  const { path, query } = splitAndRedactUrl(url, names)
  return url.includes('?') ? `${path}?${query}` : path
}
