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

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i
const RFC850 = /^[a-z]+, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i
const ASCTIME = /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i

/**
 * An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, the obsolete RFC 850 and asctime forms, all UTC) as
 * epoch ms, or undefined for anything else. A two-digit RFC 850 year is read as the recipient must:
 * more than 50 years ahead means the previous century.
 */
export function parseHttpDate(value: string): number | undefined {
  let parts: { day: string; mon: string; year: number; time: string[] } | undefined
  let m = IMF_FIXDATE.exec(value)
  if (m) parts = { day: m[1] ?? '', mon: m[2] ?? '', year: Number(m[3]), time: m.slice(4, 7) }
  else if ((m = RFC850.exec(value))) {
    let year = 2000 + Number(m[3])
    if (year > new Date().getUTCFullYear() + 50) year -= 100
    parts = { day: m[1] ?? '', mon: m[2] ?? '', year, time: m.slice(4, 7) }
  } else if ((m = ASCTIME.exec(value))) parts = { day: m[2] ?? '', mon: m[1] ?? '', year: Number(m[6]), time: m.slice(3, 6) }
  if (parts === undefined) return undefined
  const month = MONTHS.indexOf(parts.mon.toLowerCase())
  if (month < 0) return undefined
  const [hh, mm, ss] = parts.time.map(Number)
  const ms = Date.UTC(parts.year, month, Number(parts.day), hh ?? 0, mm ?? 0, ss ?? 0)
  return Number.isFinite(ms) ? ms : undefined
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
      const ms = parseHttpDate(v)
      // RFC 9111 §5.3: an Expires that is not a valid date ("0", "-1") means already expired, whatever its spelling.
      if (ms === undefined) return name === 'expires' ? 'expired' : v
      return `@${ms}`
    }
    case 'integer':
      return /^[0-9]+$/.test(v) ? `#${BigInt(v).toString()}` : v
    default:
      return v
  }
}
