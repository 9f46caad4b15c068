import { describe, expect, it } from 'vitest'
import { AppendDeadlines } from '../../../gateway/src/writes/append-deadlines.js'

describe('AppendDeadlines', () => {
  it('expires a waiter only once its deadline passed, and never a settled one', () => {
    let now = 1_000
    const d = new AppendDeadlines(() => now)
    const expired: string[] = []
    d.wait(50, () => expired.push('a'))
    const b = d.wait(50, () => expired.push('b'))
    now = 1_020
    d.wait(50, () => expired.push('c'))
    d.wait(5, () => expired.push('short'))
    d.check()
    expect(expired).toEqual([])
    b.settled = true
    now = 1_025
    d.check()
    expect(expired).toEqual(['short'])
    now = 1_050
    d.check()
    expect(expired).toEqual(['short', 'a'])
    expect(d.size()).toBe(1)
    now = 1_070
    d.check()
    expect(expired).toEqual(['short', 'a', 'c'])
    expect(d.size()).toBe(0)
    d.stop()
  })

  it('keeps order and memory bounded over many waiters of one timeout', () => {
    let now = 0
    const d = new AppendDeadlines(() => now)
    let expired = 0
    for (let i = 0; i < 5_000; i++) {
      const w = d.wait(10, () => expired++)
      if (i % 2 === 0) w.settled = true
      now += 0.01
    }
    now += 10
    d.check()
    expect(expired).toBe(2_500)
    expect(d.size()).toBe(0)
    d.stop()
  })
})
