import type { ToleranceRule } from '@shadowgate/shared'
import { jsonType, type JsonNumber, type JsonValue } from '../decode/json-value.js'
import type { AuditRules } from './audit-rules.js'
import { canonicalKey } from './canonical-key.js'
import type { DiffBudget } from './diff-budget.js'
import type { MatchState } from './pattern-matcher.js'
import { numbersEqual } from './numeric-tolerance.js'

type JsonObject = { [key: string]: JsonValue }

/**
 * Whether diffJson would find no difference between a and b under the rules (ignored paths,
 * tolerances, array modes), answered without building any path, string or difference: it stops at
 * the first difference. Used to find which elements of an ordered array differ before deciding
 * whether to report them in place or to align the array.
 */
export function valuesEqual(a: JsonValue, b: JsonValue, state: MatchState, tol: ToleranceRule | undefined, rules: AuditRules, budget: DiffBudget): boolean {
  budget.tick()
  if (a === b) return true
  const t = jsonType(a)
  if (t !== jsonType(b)) return false
  if (t === 'number') return numbersEqual(a as number | bigint | JsonNumber, b as number | bigint | JsonNumber, tol)
  if (t !== 'object' && t !== 'array') return false
  const m = rules.matcher
  const childTol = (s: MatchState): ToleranceRule | undefined => rules.toleranceAt(s) ?? tol
  if (t === 'array') {
    const x = a as JsonValue[]
    const y = b as JsonValue[]
    // Multisets and keyed arrays: equal exactly when their order-free canonical forms are.
    if (rules.arrayMode(state).mode !== 'ordered') return canonicalKey(x, state, rules, budget) === canonicalKey(y, state, rules, budget)
    if (x.length !== y.length) return false
    for (let i = 0; i < x.length; i++) {
      const s = m.step(state, i)
      if (rules.isIgnored(s)) continue
      if (!valuesEqual(x[i] as JsonValue, y[i] as JsonValue, s, childTol(s), rules, budget)) return false
    }
    return true
  }
  const x = a as JsonObject
  const y = b as JsonObject
  for (const k of Object.keys(x)) {
    const s = m.step(state, k)
    if (rules.isIgnored(s)) continue
    if (!Object.hasOwn(y, k) || !valuesEqual(x[k] as JsonValue, y[k] as JsonValue, s, childTol(s), rules, budget)) return false
  }
  for (const k of Object.keys(y)) {
    if (Object.hasOwn(x, k)) continue
    if (!rules.isIgnored(m.step(state, k))) return false
  }
  return true
}
