import { describe, expect, it } from 'vitest'
import { isSampled } from '../../../gateway/src/mirror/sampler.js'

/** Count of sampled decisions out of n, with the bound of 5 standard deviations around n·p. */
function run(n: number, percent: number, decide: (i: number) => boolean): { hits: number; low: number; high: number } {
  let hits = 0
  for (let i = 0; i < n; i++) if (decide(i)) hits++
  const p = percent / 100
  const sigma = Math.sqrt(n * p * (1 - p))
  return { hits, low: n * p - 5 * sigma, high: n * p + 5 * sigma }
}

describe('isSampled', () => {
  for (const percent of [10, 0.5]) {
    it(`samples ${percent}% of 20,000 random decisions within ±5σ`, () => {
      const { hits, low, high } = run(20_000, percent, () => isSampled(percent, 'r', undefined))
      expect(hits).toBeGreaterThanOrEqual(low)
      expect(hits).toBeLessThanOrEqual(high)
    })

    it(`samples ${percent}% of 20,000 distinct sticky keys within ±5σ`, () => {
      const { hits, low, high } = run(20_000, percent, (i) => isSampled(percent, 'r', `user-${i}`))
      expect(hits).toBeGreaterThanOrEqual(low)
      expect(hits).toBeLessThanOrEqual(high)
    })
  }

  it('never samples at 0% and always at 100%, whatever the coin says', () => {
    expect(isSampled(0, 'r', undefined, () => 0)).toBe(false)
    expect(isSampled(0, 'r', 'k')).toBe(false)
    expect(isSampled(100, 'r', undefined, () => 0.999999)).toBe(true)
    expect(isSampled(100, 'r', 'k')).toBe(true)
  })

  it('weighs the coin by the percent when there is no sticky key', () => {
    expect(isSampled(10, 'r', undefined, () => 0.0999)).toBe(true)
    expect(isSampled(10, 'r', undefined, () => 0.1)).toBe(false)
  })

  it('decides a sticky key the same way every time, and raising the percent only adds keys', () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `session-${i}`)
    const at = (percent: number): Set<string> => new Set(keys.filter((k) => isSampled(percent, 'checkout', k)))
    const five = at(5)
    expect(at(5)).toEqual(five)
    const twenty = at(20)
    for (const k of five) expect(twenty.has(k)).toBe(true)
    expect(twenty.size).toBeGreaterThan(five.size)
  })

  it('salts sticky decisions with the route, so one key is not in every route at once', () => {
    const keys = Array.from({ length: 2_000 }, (_, i) => `u${i}`)
    const a = keys.filter((k) => isSampled(10, 'route-a', k))
    const b = new Set(keys.filter((k) => isSampled(10, 'route-b', k)))
    expect(a.filter((k) => b.has(k)).length).toBeLessThan(a.length / 2)
  })
})
