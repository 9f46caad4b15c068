import { describe, expect, it } from 'vitest'
import { auditPoint } from '../../../audit-service/src/influx/audit-point.js'
import { OUTCOMES, type Outcome, type Verdict } from '../../../audit-service/src/verdict/verdict.js'

function verdict(outcome: Outcome): Verdict {
  return { outcome, reason: 'x', differences: [], differenceCount: 0, fingerprint: undefined, primaryStatus: 200, shadowStatus: 0, primaryMs: 1, shadowMs: 2 }
}

describe('auditPoint (InfluxDB schema 2)', () => {
  it.each(OUTCOMES.map((o) => [o] as const))('%s: judged on every point, mismatch only on judged pairs', (outcome) => {
    const line = auditPoint({ route: 'r', method: 'GET', verdict: verdict(outcome), timestampNs: '1' }).toLineProtocol() ?? ''
    const judged = outcome === 'match' || outcome === 'mismatch'
    expect(line).toContain(`judged=${judged ? 1 : 0}i`)
    if (judged) expect(line).toContain(`mismatch=${outcome === 'mismatch' ? 1 : 0}i`)
    else expect(line).not.toMatch(/[ ,]mismatch=/)
  })

  it('a shadow that timed out is not a 0 in the mismatch rate (regression: mean("mismatch") read 0 % while every pair timed out)', () => {
    const line = auditPoint({ route: 'r', method: 'GET', verdict: verdict('shadow_timeout'), timestampNs: '1' }).toLineProtocol() ?? ''
    expect(line).toMatch(/^shadowgate_audit,method=GET,outcome=shadow_timeout,route=r,served=old /)
    expect(line).not.toContain('mismatch=')
  })
})
