import { parseMediaType } from '../decode/media-type.js'

/**
 * How a compared header's value is read before the primary's and the shadow's are compared, so that
 * a difference in spelling only (case where the spec says case-insensitive, element order of a set,
 * whitespace, quoting) is a match and a difference in meaning is not. The rules per header are in
 * docs/audit.md ("What is compared").
 */
export type HeaderRule =
  | 'media-type'
  | 'set-ci'
  | 'set-cs'
  | 'list-ci'
  | 'cache-control'
  | 'http-date'
  | 'integer'
  | 'exact'

/** Headers with a rule; any other header is compared `exact` (trimmed). */
export const HEADER_RULES: Readonly<Record<string, HeaderRule>> = {
  'content-type': 'media-type',
  vary: 'set-ci',
  'content-language': 'set-ci',
  'access-control-allow-headers': 'set-ci',
  'access-control-expose-headers': 'set-ci',
  'access-control-request-headers': 'set-ci',
  allow: 'set-cs',
  'access-control-allow-methods': 'set-cs',
  'content-encoding': 'list-ci',
  'cache-control': 'cache-control',
  date: 'http-date',
  expires: 'http-date',
  'last-modified': 'http-date',
  'content-length': 'integer',
  'access-control-max-age': 'integer',
}

/**
 * Splits a list-valued field on commas outside quoted strings, trims the elements and drops empty
 * ones (RFC 9110 §5.6.1: a recipient accepts and ignores empty list elements).
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? ''
    if (quoted && c === '\\') {
      current += c + (value[i + 1] ?? '')
      i++
      continue
    }
    if (c === '"') quoted = !quoted
    if (c === ',' && !quoted) {
      out.push(current)
      current = ''
    } else current += c
  }
  out.push(current)
  return out.map((s) => s.trim()).filter((s) => s !== '')
}

/** The content of a quoted-string (`"a\"b"` → `a"b`), or the token as it is. */
function unquote(value: string): string {
  const v = value.trim()
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) return v
  return v.slice(1, -1).replace(/\\(.)/g, '$1')
}

function sortedSet(elements: readonly string[]): string {
  return JSON.stringify([...new Set(elements)].sort())
}

/**
 * `type/subtype` case-insensitively, parameters as a set with case-insensitive names and unquoted
 * values; charset values case-insensitively; and a `charset=utf-8` on a JSON media type equal to its
 * absence, since JSON text is UTF-8 by definition (RFC 8259 §8.1).
 */
function mediaTypeKey(value: string): string {
  const [head = '', ...rest] = value.split(';')
  const essence = head.trim().toLowerCase()
  const params: string[] = []
  const json = parseMediaType(essence).kind === 'json'
  for (const p of rest) {
    const eq = p.indexOf('=')
    if (eq < 0) {
      if (p.trim() !== '') params.push(p.trim().toLowerCase())
      continue
    }
    const name = p.slice(0, eq).trim().toLowerCase()
    let v = unquote(p.slice(eq + 1))
    if (name === 'charset') {
      v = v.toLowerCase()
      if (json && (v === 'utf-8' || v === 'utf8')) continue
    }
    params.push(`${name}=${v}`)
  }
  return `${essence};${sortedSet(params)}`
}

/** Directive names case-insensitively, arguments unquoted, as a set (RFC 9111 §5.2). */
function cacheControlKey(value: string): string {
  return sortedSet(
    splitHeaderList(value).map((d) => {
      const eq = d.indexOf('=')
      if (eq < 0) return d.toLowerCase()
      const name = d.slice(0, eq).trim().toLowerCase()
      const arg = unquote(d.slice(eq + 1))
      // The field-name lists of private="…" and no-cache="…" are sets of case-insensitive names.
      return `${name}=${name === 'private' || name === 'no-cache' ? sortedSet(splitHeaderList(arg).map((x) => x.toLowerCase())) : arg}`
    }),
  )
}

/**
 * The comparable form of one header's value under its rule: equal forms mean the same. A value the
 * rule cannot read (an unparseable date, a non-integer length) is compared as trimmed text.
 */
export function headerComparisonKey(name: string, value: string): string {
  const v = value.trim()
  switch (HEADER_RULES[name] ?? 'exact') {
    case 'media-type':
      return mediaTypeKey(v)
    case 'set-ci':
      return sortedSet(splitHeaderList(v).map((x) => x.toLowerCase()))
    case 'set-cs':
      return sortedSet(splitHeaderList(v))
    case 'list-ci':
      return JSON.stringify(splitHeaderList(v).map((x) => x.toLowerCase()))
    case 'cache-control':
      return cacheControlKey(v)
    case 'http-date': {
      const ms = Date.parse(v)
      return Number.isFinite(ms) ? `@${ms}` : v
    }
    case 'integer':
      return /^[0-9]+$/.test(v) ? `#${BigInt(v).toString()}` : v
    default:
      return v
  }
}
