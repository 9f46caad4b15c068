import { describe, expect, it } from 'vitest'
import { waitFor } from '@shadowgate/dev-helpers'
import { DeadlineQueue, type Expiring } from '../../gateway/src/deadline-queue.js'

class Call implements Expiring {
  settled = false
  readonly addedAt = performance.now()
  expiredAt: number | undefined
  constructor(private readonly onExpire?: () => void) {}
  expire(): void {
    this.settled = true
    this.expiredAt = performance.now()
    this.onExpire?.()
  }
}

describe('DeadlineQueue', () => {
  it('expires the pending calls once their deadline passed, never early, and never a settled one', async () => {
    const deadlines = new DeadlineQueue(20)
    const settled = new Call()
    const a = new Call()
    const b = new Call()
    deadlines.add(settled)
    deadlines.add(a)
    deadlines.add(b)
    settled.settled = true
    await waitFor(() => a.expiredAt !== undefined && b.expiredAt !== undefined, 5_000, 'both deadlines')
    expect(settled.expiredAt).toBeUndefined()
    for (const call of [a, b]) expect((call.expiredAt ?? 0) - call.addedAt).toBeGreaterThanOrEqual(20)
    expect(deadlines.size).toBe(0)
    deadlines.close()
  })

  it('keeps expiring calls added while the timer fires', async () => {
    const deadlines = new DeadlineQueue(10)
    const later = new Call()
    deadlines.add(new Call(() => deadlines.add(later)))
    await waitFor(() => later.expiredAt !== undefined, 5_000, 'the call added during expiry to expire')
    deadlines.close()
  })

  it('keeps no more than a bounded number of settled calls behind a pending one', () => {
    const deadlines = new DeadlineQueue(60_000)
    const stuck = new Call()
    deadlines.add(stuck)
    let most = 0
    for (let i = 0; i < 20_000; i++) {
      const call = new Call()
      deadlines.add(call)
      call.settled = true
      most = Math.max(most, deadlines.size)
    }
    expect(most).toBeLessThanOrEqual(2_100)
    expect(stuck.expiredAt).toBeUndefined()
    deadlines.close()
    expect(deadlines.size).toBe(0)
  })

  it('tracks nothing after close()', () => {
    const deadlines = new DeadlineQueue(1)
    deadlines.close()
    deadlines.add(new Call())
    expect(deadlines.size).toBe(0)
    deadlines.close()
  })
})
