import { describe, expect, it } from 'vitest'
import { waitFor } from '@shadowgate/dev-helpers'
import { InFlightLimiter, RELEASE_JITTER } from '../../../gateway/src/mirror/in-flight-limiter.js'

describe('InFlightLimiter', () => {
  it('refuses copies beyond the cap per shadow and reports every change', () => {
    const changes: Array<[string, number]> = []
    const limiter = new InFlightLimiter(2, { onChange: (s, n) => changes.push([s, n]) })
    expect([limiter.tryAcquire('a'), limiter.tryAcquire('a'), limiter.tryAcquire('a'), limiter.tryAcquire('b')]).toEqual([true, true, false, true])
    expect(limiter.full('a')).toBe(true)
    expect(limiter.full('b')).toBe(false)
    expect(changes).toEqual([['a', 1], ['a', 2], ['b', 1]])
    limiter.close()
  })

  it('reopens a slot at once while the shadow keeps up (nothing was refused)', () => {
    const limiter = new InFlightLimiter(2, { random: () => 1 })
    limiter.tryAcquire('a')
    limiter.release('a', 10_000)
    expect(limiter.count('a')).toBe(0)
    limiter.close()
  })

  it('reopens the slots of a saturated shadow after a random share of the copy time, at most RELEASE_JITTER of it', async () => {
    const limiter = new InFlightLimiter(1, { random: () => 1 })
    expect(limiter.tryAcquire('slow')).toBe(true)
    expect(limiter.full('slow')).toBe(true) // a refusal: the shadow is saturated now
    const released = performance.now()
    limiter.release('slow', 200)
    expect(limiter.count('slow')).toBe(1)
    expect(limiter.tryAcquire('slow')).toBe(false)
    await waitFor(() => limiter.count('slow') === 0, 2_000, 'the slot to reopen')
    const waited = performance.now() - released
    expect(waited).toBeGreaterThanOrEqual(200 * RELEASE_JITTER - 5)
    expect(limiter.tryAcquire('slow')).toBe(true)
    limiter.close()
  })

  it('close() reopens the slots waiting for their jitter, and is idempotent', () => {
    const limiter = new InFlightLimiter(1, { random: () => 1 })
    limiter.tryAcquire('s')
    limiter.full('s')
    limiter.release('s', 60_000)
    expect(limiter.count('s')).toBe(1)
    limiter.close()
    expect(limiter.count('s')).toBe(0)
    limiter.close()
  })
})
