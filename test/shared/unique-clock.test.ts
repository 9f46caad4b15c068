import { describe, expect, it } from 'vitest'
import { UniqueClock } from '@shadowgate/shared'

describe('UniqueClock', () => {
  it('never repeats within an instance, even past 1000 pairs in one millisecond', () => {
    const clock = new UniqueClock('gw-a', () => 1_700_000_000_000)
    const seen = new Set<string>()
    let prev = 0n
    for (let i = 0; i < 5_000; i++) {
      const t = clock.next()
      expect(seen.has(t)).toBe(false)
      seen.add(t)
      expect(BigInt(t) > prev).toBe(true)
      prev = BigInt(t)
    }
  })

  it('keeps the capture millisecond in the nanosecond timestamp', () => {
    const t = new UniqueClock('gw-a', () => 1_700_000_000_123).next()
    expect(BigInt(t) / 1_000_000n).toBe(1_700_000_000_123n)
  })

  it('gives different instances different low digits', () => {
    const a = new UniqueClock('gw-a', () => 5).next()
    const b = new UniqueClock('gw-b', () => 5).next()
    expect(a).not.toBe(b)
  })
})
