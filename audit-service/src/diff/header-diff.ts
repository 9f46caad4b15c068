import type { CapturedHeaders } from '@shadowgate/shared'
import type { DifferenceCollector } from './difference-collector.js'

function lowerCased(headers: CapturedHeaders): Map<string, string> {
  const out = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) {
    const v = typeof value === 'string' ? value : value.join(', ')
    const key = name.toLowerCase()
    const prev = out.get(key)
    out.set(key, prev === undefined ? v : `${prev}, ${v}`)
  }
  return out
}

/**
 * The comparable form of a header value: trimmed; for content-type also lower-cased with the
 * spaces around `;` and `=` removed, since `application/json; charset=UTF-8` and
 * `application/json;charset=utf-8` mean the same thing.
 */
export function normalizeHeaderValue(name: string, value: string): string {
  const v = value.trim()
  if (name !== 'content-type') return v
  return v.toLowerCase().replace(/\s*([;=])\s*/g, '$1')
}

/**
 * Compares the named headers (lower-case names, matched case-insensitively against the captured
 * ones). A header only the shadow sent is `added`, only the primary `removed`, on both but different
 * `changed`; every difference has the path `header:<name>`.
 */
export function diffHeaders(primary: CapturedHeaders, shadow: CapturedHeaders, names: readonly string[], out: DifferenceCollector): void {
  if (names.length === 0) return
  const p = lowerCased(primary)
  const s = lowerCased(shadow)
  for (const name of names) {
    const a = p.get(name)
    const b = s.get(name)
    if (a === undefined && b === undefined) continue
    const path = `header:${name}`
    if (a === undefined) out.add('added', path, path, undefined, b)
    else if (b === undefined) out.add('removed', path, path, a, undefined)
    else if (normalizeHeaderValue(name, a) !== normalizeHeaderValue(name, b)) out.add('changed', path, path, a, b)
  }
}
