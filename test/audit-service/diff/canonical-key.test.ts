import { describe, expect, it } from 'vitest'
import { AuditRules } from '../../../audit-service/src/diff/audit-rules.js'
import { canonicalKey } from '../../../audit-service/src/diff/canonical-key.js'
import { DiffBudget } from '../../../audit-service/src/diff/diff-budget.js'
import type { JsonValue } from '../../../audit-service/src/decode/json-value.js'
import { auditRules, type RuleSpec } from '../job-fixtures.js'

function key(v: unknown, spec: RuleSpec = {}): string {
  const rules = new AuditRules(auditRules(spec))
  return canonicalKey(v as JsonValue, rules.matcher.root, rules, new DiffBudget(1e6, 60_000))
}

describe('canonicalKey', () => {
  it('ignores key order, keeps array order and JSON types', () => {
    expect(key({ a: 1, b: [1, 2] })).toBe(key({ b: [1, 2], a: 1 }))
    expect(key([1, 2])).not.toBe(key([2, 1]))
    expect(key(1)).not.toBe(key('1'))
    expect(key(1.0)).toBe(key(1))
    expect(key(9007199254740993n)).not.toBe(key(9007199254740992n))
  })

  it('leaves ignored paths out and sorts arrays compared without order', () => {
    expect(key({ a: 1, ts: 1 }, { ignore: ['$..ts'] })).toBe(key({ a: 1, ts: 2 }, { ignore: ['$..ts'] }))
    expect(key({ l: [1, 2] }, { arrays: { '$.l': 'unordered' } })).toBe(key({ l: [2, 1] }, { arrays: { '$.l': 'unordered' } }))
  })
})
