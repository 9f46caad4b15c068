import { describe, expect, it } from 'vitest'
import { formatGateStatus, gateStatusJson } from '../../../gateway/src/admin/gate-status.js'

describe('the gate status read from Redis (untrusted)', () => {
  it.each([null, 'not json', '[]', '{"decision":"explode","reason":"x","stage":"canary","at":1}', '{"decision":"hold","reason":"x","stage":"canary","at":1e20}', '{"decision":"hold","stage":"canary","at":1}'])('%s says nothing of the gate', (text) => {
    expect(gateStatusJson(text)).toBeNull()
  })

  it('keeps known figures only, as numbers or null', () => {
    const g = gateStatusJson(JSON.stringify({ decision: 'fail', reason: 'r', acted: 'yes', stage: 'canary', serve: 5, failStreak: 1, inconclusiveStreak: 0, at: 0, figures: { judged: 300, mismatchRate: 0.02, oldP99Ms: 'slow', evil: 1 } }))
    expect(g).toMatchObject({ decision: 'fail', acted: false, at: '1970-01-01T00:00:00.000Z' })
    expect(g?.figures).toMatchObject({ judged: 300, mismatchRate: 0.02, oldP99Ms: null })
    expect(g?.figures).not.toHaveProperty('evil')
    expect(formatGateStatus(g ?? expect.fail('no status'))).toContain('300 judged pairs, mismatch rate 2.00%')
  })
})
