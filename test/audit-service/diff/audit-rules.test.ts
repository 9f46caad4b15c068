import { describe, expect, it } from 'vitest'
import { AuditRules, auditRulesFor } from '../../../audit-service/src/diff/audit-rules.js'
import { auditRules } from '../job-fixtures.js'

describe('AuditRules', () => {
  it('compares content-type only by default', () => {
    expect(new AuditRules(undefined).compareHeaders).toEqual(['content-type'])
  })

  it('lower-cases header lists and removes ignored headers', () => {
    const r = new AuditRules(auditRules({ compareHeaders: ['Content-Type', 'X-Version', 'etag'], ignoreHeaders: ['ETag'] }))
    expect(r.compareHeaders).toEqual(['content-type', 'x-version'])
  })

  it('knows when the whole body is ignored', () => {
    expect(new AuditRules(auditRules({ ignore: ['$'] })).ignoresBody).toBe(true)
    expect(new AuditRules(auditRules({ ignore: ['$.a'] })).ignoresBody).toBe(false)
  })

  it('lets the first matching array and tolerance rule win', () => {
    const r = new AuditRules(auditRules({ arrays: { '$..l': 'unordered', '$.l': 'keyed:id' }, tolerance: { '$.n': { absolute: 1 }, '$..n': { absolute: 2 } } }))
    const l = r.matcher.step(r.matcher.root, 'l')
    expect(r.arrayMode(l)).toEqual({ mode: 'unordered' })
    expect(r.toleranceAt(r.matcher.step(r.matcher.root, 'n'))?.absolute).toBe(1)
    expect(r.arrayMode(r.matcher.step(r.matcher.root, 'x'))).toEqual({ mode: 'ordered' })
  })

  it('is prepared once per config object', () => {
    const config = auditRules({ ignore: ['$.a'] })
    expect(auditRulesFor(config)).toBe(auditRulesFor(config))
    expect(auditRulesFor(undefined)).toBe(auditRulesFor(undefined))
  })
})
