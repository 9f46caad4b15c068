import { afterEach, describe, expect, it, vi } from 'vitest'
import { closeInOrder, CloseStepsError, type CloseStep } from '@shadowgate/dev-helpers'

describe('closeInOrder', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs every step in order and resolves when all closed', async () => {
    const order: string[] = []
    const step = (name: string): CloseStep => ({ name, limitMs: 1_000, close: async () => void order.push(name) })
    await closeInOrder([step('a'), step('b'), step('c')])
    expect(order).toEqual(['a', 'b', 'c'])
  })

  it('a step that hangs is killed at its limit, the steps after it still run, and the error names it', async () => {
    vi.useFakeTimers()
    const order: string[] = []
    const killed: string[] = []
    const steps: CloseStep[] = [
      { name: 'worker', limitMs: 5_000, close: () => new Promise<void>(() => undefined), kill: () => void killed.push('worker') },
      { name: 'broken', limitMs: 5_000, close: () => Promise.reject(new Error('boom')) },
      { name: 'influxd', limitMs: 5_000, close: async () => void order.push('influxd') },
    ]
    const closing = closeInOrder(steps).catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(4_999)
    expect(killed).toEqual([])
    expect(order).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    const err = await closing
    expect(killed).toEqual(['worker'])
    expect(order).toEqual(['influxd'])
    expect(err).toBeInstanceOf(CloseStepsError)
    const messages = (err as CloseStepsError).errors.map((e: Error) => e.message)
    expect(messages).toEqual(['worker did not close within 5000 ms (killed)', 'broken: boom'])
    expect(vi.getTimerCount()).toBe(0)
  })
})
