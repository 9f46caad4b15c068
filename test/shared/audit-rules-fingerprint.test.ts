import { describe, expect, it } from 'vitest'
import { auditRulesFingerprint, parseConfig, UNKNOWN_ROUTE_RULES } from '@shadowgate/shared'

function rulesOf(audit: string): Parameters<typeof auditRulesFingerprint>[0] {
  const config = parseConfig(`primary: http://127.0.0.1:1\nshadow: http://127.0.0.1:2\nroutes:\n  - name: r\n    match: /r\n    audit: ${audit}\n`, {})
  return config.routes[0]?.audit
}

describe('auditRulesFingerprint', () => {
  it('is 16 hex digits, stable for the same rules however they are written', () => {
    const a = auditRulesFingerprint(rulesOf('{ ignore: [$.a, $.b], tolerance: { $.p: { absolute: 0.1 } } }'))
    expect(a).toMatch(/^[0-9a-f]{16}$/)
    expect(auditRulesFingerprint(rulesOf('{ tolerance: { $.p: { absolute: 0.1 } }, ignore: [$.a, $.b] }'))).toBe(a)
  })

  it('changes with any judging rule, not with the audit percent', () => {
    const base = auditRulesFingerprint(rulesOf('{ ignore: [$.a] }'))
    expect(auditRulesFingerprint(rulesOf('{ ignore: [$.a], percent: 10 }'))).toBe(base)
    for (const other of ['{ ignore: [$.b] }', '{ ignore: [$.a], compareHeaders: [vary] }', '{ ignore: [$.a], arrays: { $.l: unordered } }', '{ ignore: [$.a], tolerance: { $.p: { relative: 0.01 } } }', '{ ignore: [$.a], numbers: literal }']) {
      expect(auditRulesFingerprint(rulesOf(other)), other).not.toBe(base)
    }
  })

  it('names a route the config does not know', () => {
    expect(auditRulesFingerprint(undefined)).toBe(UNKNOWN_ROUTE_RULES)
  })
})
