import { JsonNumber, type JsonValue } from '../decode/json-value.js'

const MAX_STRING = 256
const MAX_NODES = 40
const MAX_DEPTH = 4

/**
 * A small, JSON-serialisable copy of a value for a stored difference: bigints become their exact
 * decimal strings, numbers kept as written their literal, long strings and large objects/arrays are cut with a `…` marker. Differences are
 * kept as samples, so a removed 1 MB subtree must not travel with them.
 */
export function previewValue(value: JsonValue | undefined): unknown {
  let nodes = 0
  const copy = (v: JsonValue, depth: number): unknown => {
    nodes++
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof JsonNumber) return v.literal
    if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…(+${v.length - MAX_STRING} chars)` : v
    if (typeof v !== 'object' || v === null) return v
    if (depth >= MAX_DEPTH) return Array.isArray(v) ? `[…${v.length} items]` : `{…${Object.keys(v).length} keys}`
    if (Array.isArray(v)) {
      const out: unknown[] = []
      for (const x of v) {
        if (nodes >= MAX_NODES) {
          out.push(`…(+${v.length - out.length} items)`)
          break
        }
        out.push(copy(x, depth + 1))
      }
      return out
    }
    const out: Record<string, unknown> = {}
    const keys = Object.keys(v)
    let kept = 0
    for (const k of keys) {
      if (nodes >= MAX_NODES) {
        out['…'] = `+${keys.length - kept} keys`
        break
      }
      Object.defineProperty(out, k, { value: copy(v[k] as JsonValue, depth + 1), enumerable: true, writable: true, configurable: true })
      kept++
    }
    return out
  }
  return value === undefined ? undefined : copy(value, 0)
}
