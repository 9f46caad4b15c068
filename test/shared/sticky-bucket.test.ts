import { describe, expect, it } from 'vitest'
import { stickyBucket } from '@shadowgate/shared'

describe('stickyBucket', () => {
  it('is deterministic and in [0, 100)', () => {
    for (let i = 0; i < 1_000; i++) {
      const b = stickyBucket(`user-${i}`, 'products')
      expect(b).toBeGreaterThanOrEqual(0)
      expect(b).toBeLessThan(100)
      expect(stickyBucket(`user-${i}`, 'products')).toBe(b)
    }
  })

  it('spreads keys evenly (within 5 sigma over 20k keys at 25%)', () => {
    const n = 20_000
    let inside = 0
    for (let i = 0; i < n; i++) if (stickyBucket(`k${i}`, 'r') < 25) inside++
    const sigma = Math.sqrt(n * 0.25 * 0.75)
    expect(Math.abs(inside - n * 0.25)).toBeLessThan(5 * sigma)
  })

  it('salts by route so one key is not in every sample', () => {
    let differ = 0
    for (let i = 0; i < 200; i++) if (stickyBucket(`u${i}`, 'a') < 50 !== stickyBucket(`u${i}`, 'b') < 50) differ++
    expect(differ).toBeGreaterThan(50)
  })
})
