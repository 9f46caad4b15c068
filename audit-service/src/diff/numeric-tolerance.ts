import type { ToleranceRule } from '@shadowgate/shared'
import { JsonNumber, numberLiteral } from '../decode/json-value.js'

/**
 * Whether two JSON numbers count as equal. Without a rule they must be equal exactly (a bigint and a
 * double are compared by mathematical value). With a rule they are equal when |a - b| <= absolute, or
 * when |a - b| <= relative × max(|a|, |b|); either bound suffices when both are set. Both bounds are
 * inclusive and allow for the rounding of the subtraction itself, so 1.00 vs 1.01 is within 0.01.
 */
export function numbersEqual(p: number | bigint | JsonNumber, q: number | bigint | JsonNumber, rule: ToleranceRule | undefined): boolean {
  // Numbers kept as written (audit.numbers: literal) are equal when spelled alike, unless a tolerance says how far apart they may be.
  if (rule === undefined && (p instanceof JsonNumber || q instanceof JsonNumber)) return numberLiteral(p) === numberLiteral(q)
  const a = p instanceof JsonNumber ? p.value : p
  const b = q instanceof JsonNumber ? q.value : q
  // Loose equality on purpose: it is the exact mathematical comparison between a bigint and a double.
  if (a == b) return true
  if (rule === undefined) return false
  const x = Number(a)
  const y = Number(b)
  const diff = typeof a === 'bigint' && typeof b === 'bigint' ? Math.abs(Number(a - b)) : Math.abs(x - y)
  const scale = Math.max(Math.abs(x), Math.abs(y))
  const slack = 4 * Number.EPSILON * Math.max(scale, 1)
  if (rule.absolute !== undefined && diff <= rule.absolute + slack) return true
  if (rule.relative !== undefined && diff <= rule.relative * scale + slack) return true
  return false
}
