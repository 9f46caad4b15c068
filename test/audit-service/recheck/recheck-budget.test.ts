import { describe, expect, it } from 'vitest'
import { RecheckBudget } from '../../../audit-service/src/recheck/recheck-budget.js'

describe('RecheckBudget (injected clock)', () => {
  it('never re-checks more than 1 + maxShare × audited pairs', () => {
    const clock = { now: 0 }
    const budget = new RecheckBudget(() => clock.now)
    const limits = { maxShare: 0.05, maxRate: 1_000 }
    let taken = 0
    for (let i = 1; i <= 1_000; i++) {
      budget.seen('r', limits)
      clock.now += 10
      if (budget.take('r', limits)) taken++
      expect(taken).toBeLessThanOrEqual(1 + 0.05 * i)
    }
    expect(taken).toBeGreaterThanOrEqual(50)
  })

  it('holds the rate: one second of calls at once, then maxRate per second', () => {
    const clock = { now: 0 }
    const budget = new RecheckBudget(() => clock.now)
    const limits = { maxShare: undefined, maxRate: 10 }
    let taken = 0
    for (let i = 0; i < 100; i++) if (budget.take('r', limits)) taken++
    expect(taken).toBe(10)
    clock.now += 500
    for (let i = 0; i < 100; i++) if (budget.take('r', limits)) taken++
    expect(taken).toBe(15)
    clock.now += 60_000
    for (let i = 0; i < 100; i++) if (budget.take('r', limits)) taken++
    expect(taken).toBe(25)
  })

  it('keeps routes apart, and a rate of 0 allows nothing', () => {
    const budget = new RecheckBudget(() => 0)
    expect(budget.take('a', { maxShare: 1, maxRate: 1 })).toBe(true)
    expect(budget.take('a', { maxShare: 1, maxRate: 1 })).toBe(false)
    expect(budget.take('b', { maxShare: 1, maxRate: 1 })).toBe(true)
    expect(budget.take('c', { maxShare: 1, maxRate: 0 })).toBe(false)
  })
})
