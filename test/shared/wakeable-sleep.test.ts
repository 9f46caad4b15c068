import { afterEach, describe, expect, it, vi } from 'vitest'
import { WakeableSleep } from '@shadowgate/shared'

describe('WakeableSleep', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('ends after its time when nobody wakes it', async () => {
    vi.useFakeTimers()
    const sleeper = new WakeableSleep()
    let done = false
    const wait = sleeper.sleep(1_000).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(999)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await wait
    expect(done).toBe(true)
  })

  it('wakeAll ends every wait at once, and later waits return at once', async () => {
    vi.useFakeTimers()
    const sleeper = new WakeableSleep()
    const waits = [sleeper.sleep(60_000), sleeper.sleep(120_000)]
    sleeper.wakeAll()
    await Promise.all(waits)
    expect(vi.getTimerCount()).toBe(0)
    await sleeper.sleep(60_000)
    sleeper.wakeAll()
    expect(vi.getTimerCount()).toBe(0)
  })
})
