import { describe, expect, it } from 'vitest'
import { DiffBudget } from '../../../audit-service/src/diff/diff-budget.js'
import { DiffBudgetError } from '../../../audit-service/src/errors.js'

describe('DiffBudget', () => {
  it('allows exactly maxNodes nodes', () => {
    const b = new DiffBudget(3, 60_000)
    b.tick()
    b.tick(2)
    expect(b.nodes).toBe(3)
    expect(() => b.tick()).toThrow(DiffBudgetError)
  })

  it('stops once the deadline has passed, checking the clock periodically', () => {
    const b = new DiffBudget(1e9, 0)
    const deadline = performance.now()
    while (performance.now() <= deadline) {
      /* let the clock move past the deadline */
    }
    expect(() => {
      for (let i = 0; i < 5000; i++) b.tick()
    }).toThrow(/exceeded 0 ms/)
  })
})
