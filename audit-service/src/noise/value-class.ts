/**
 * What kind of value differs at a path, to explain noise in plain words. Looked at on both sides:
 * a path is a `timestamp` when both values read as times, a `uuid` when both are UUIDs, and so on.
 */
export const VALUE_CLASSES = ['timestamp', 'uuid', 'token', 'counter', 'number', 'text', 'other'] as const
export type ValueClass = (typeof VALUE_CLASSES)[number]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/
// Opaque tokens: long runs of base64/hex/url-safe characters with no spaces.
const TOKEN = /^[A-Za-z0-9_\-+/=.]{16,}$/
// Epoch seconds or milliseconds between 2001 and 2286.
const EPOCH_S = [1e9, 1e10] as const
const EPOCH_MS = [1e12, 1e13] as const

function one(v: unknown): ValueClass {
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v)
    if (Number.isInteger(n) && ((n >= EPOCH_S[0] && n < EPOCH_S[1]) || (n >= EPOCH_MS[0] && n < EPOCH_MS[1]))) return 'timestamp'
    return Number.isInteger(n) ? 'counter' : 'number'
  }
  if (typeof v !== 'string') return 'other'
  if (UUID.test(v)) return 'uuid'
  if (ISO_TIME.test(v) || HTTP_DATE.test(v)) return 'timestamp'
  if (/^\d{1,18}$/.test(v)) return one(Number(v))
  if (TOKEN.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v)) return 'token'
  return 'text'
}

/** The class of a differing pair of values; `other` when the two sides disagree on it. */
export function classifyValues(primary: unknown, shadow: unknown): ValueClass {
  if (primary === undefined) return one(shadow)
  if (shadow === undefined) return one(primary)
  const a = one(primary)
  const b = one(shadow)
  if (a === b) return a
  // A counter that grew into the epoch range, or the other way round, is still a number that moves.
  if ((a === 'counter' || a === 'timestamp') && (b === 'counter' || b === 'timestamp')) return 'counter'
  return 'other'
}

/** Plain words for a class, as `noise suggest` prints them. */
export function describeClass(c: ValueClass): string {
  switch (c) {
    case 'timestamp':
      return 'a time (differs on every answer)'
    case 'uuid':
      return 'a UUID (new on every answer)'
    case 'token':
      return 'a random token'
    case 'counter':
      return 'a counter or integer that moves'
    case 'number':
      return 'a number that moves'
    case 'text':
      return 'text that changes'
    case 'other':
      return 'values of mixed kinds'
  }
}
