import { describe, expect, it } from 'vitest'
import { copiesFor, isSampled } from '../../../gateway/src/mirror/sampler.js'

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

describe('copiesFor (amplification)', () => {
  it('up to 100 % is the sampling decision: 0 or 1 copy', () => {
    expect(copiesFor(0, 'r', undefined, true)).toBe(0)
    expect(copiesFor(100, 'r', undefined, true)).toBe(1)
    expect(copiesFor(40, 'r', undefined, true, () => 0.3)).toBe(1)
    expect(copiesFor(40, 'r', undefined, true, () => 0.5)).toBe(0)
  })

  it('above 100 % sends the whole copies plus one for the fractional share', () => {
    expect(copiesFor(300, 'r', undefined, true, () => 0)).toBe(3)
    expect(copiesFor(250, 'r', undefined, true, () => 0.49)).toBe(3)
    expect(copiesFor(250, 'r', undefined, true, () => 0.5)).toBe(2)
    expect(copiesFor(1_000, 'r', undefined, true)).toBe(10)
  })

  it('never amplifies a request that may not be (a write): one copy at most', () => {
    expect(copiesFor(300, 'r', undefined, false)).toBe(1)
    expect(copiesFor(250, 'r', undefined, false, () => 0.99)).toBe(1)
  })

  it('with a sticky key the same keys get the extra copy, and raising the percent only adds copies', () => {
    const keys = Array.from({ length: 2_000 }, (_, i) => `user-${i}`)
    const at = (percent: number): Map<string, number> => new Map(keys.map((k) => [k, copiesFor(percent, 'items', k, true)]))
    const p150 = at(150)
    expect(at(150)).toEqual(p150)
    const p170 = at(170)
    for (const k of keys) expect(p170.get(k) ?? 0).toBeGreaterThanOrEqual(p150.get(k) ?? 0)
    // The extra share is the same bucket as a plain percent: those keys sampled at 50 %.
    expect(keys.filter((k) => p150.get(k) === 2)).toEqual(keys.filter((k) => isSampled(50, 'items', k)))
  })
})
