import { JsonNumber, type JsonValue } from '../decode/json-value.js'
import type { AuditRules } from './audit-rules.js'
import type { DiffBudget } from './diff-budget.js'
import type { MatchState } from './pattern-matcher.js'

/**
 * A string that is equal for two values exactly when the walker would find no difference between
 * them (tolerances aside): object keys sorted, ignored paths left out, arrays the rules compare
 * without order sorted, numbers by value (1.0 and 1 agree; a bigint by its exact digits), or by
 * literal where the route keeps literals (a JsonNumber).
 * Used to match array elements (unordered multisets, keyed ids, alignment of ordered arrays).
 */
export function canonicalKey(v: JsonValue, state: MatchState, rules: AuditRules, budget: DiffBudget): string {
  budget.tick()
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v)
    case 'number':
    case 'bigint':
      return String(v)
    case 'boolean':
      return v ? 'true' : 'false'
    default:
      break
  }
  if (v === null) return 'null'
  if (v instanceof JsonNumber) return v.literal
  const m = rules.matcher
  if (Array.isArray(v)) {
    const parts: string[] = []
    for (let i = 0; i < v.length; i++) {
      const s = m.step(state, i)
      parts.push(rules.isIgnored(s) ? '~' : canonicalKey(v[i] as JsonValue, s, rules, budget))
    }
    if (rules.arrayMode(state).mode !== 'ordered') parts.sort()
    return `[${parts.join(',')}]`
  }
  const parts: string[] = []
  for (const k of Object.keys(v).sort()) {
    const s = m.step(state, k)
    if (rules.isIgnored(s)) continue
    parts.push(`${JSON.stringify(k)}:${canonicalKey(v[k] as JsonValue, s, rules, budget)}`)
  }
  return `{${parts.join(',')}}`
}
