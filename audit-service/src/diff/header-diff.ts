import type { CapturedHeaders } from '@shadowgate/shared'
import type { DifferenceCollector } from './difference-collector.js'
import { headerComparisonKey } from './header-semantics.js'

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
 * Compares the named headers (lower-case names, matched case-insensitively against the captured
 * ones). A header only the shadow sent is `added`, only the primary `removed`, on both but different
 * `changed` (by meaning: see header-semantics.ts); every difference has the path `header:<name>`.
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
    else if (headerComparisonKey(name, a) !== headerComparisonKey(name, b)) out.add('changed', path, path, a, b)
  }
}
