import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { RequestHold } from '../../../gateway/src/cutover/request-hold.js'

function req(contentLength?: number): IncomingMessage {
  const headers: Record<string, string> = contentLength === undefined ? {} : { 'content-length': String(contentLength) }
  return { headers, rawHeaders: Object.entries(headers).flat() } as unknown as IncomingMessage
}

function setup(maxRequests: number, maxBytes = 1_000_000): { hold: RequestHold; order: string[]; overflows: number[]; clock: { t: number } } {
  const order: string[] = []
  const overflows: number[] = []
  const clock = { t: 1_000 }
  const hold: RequestHold = new RequestHold(
    { maxRequests, maxBytes },
    {
      now: () => clock.t,
      onOverflow: (route, epoch) => {
        overflows.push(epoch)
        hold.release(route, epoch, 'old', 'overflow')
      },
      onReleaseError: () => order.push('error'),
    },
  )
  return { hold, order, overflows, clock }
}

describe('RequestHold', () => {
  it('lets everything through when nothing is held, and routes that are not held', () => {
    const { hold, order } = setup(10)
    expect(hold.holding()).toBe(false)
    hold.begin('items', 1)
    expect(hold.holding()).toBe(true)
    hold.admit('other', req(), () => order.push('other'))
    expect(order).toEqual(['other'])
  })

  it('releases held requests in arrival order with their waits, once, for its own epoch only', () => {
    const { hold, order, clock } = setup(10)
    hold.begin('items', 7)
    expect(hold.begin('items', 8)).toBe(false)
    hold.admit('items', req(), () => order.push('a'))
    clock.t += 30
    hold.admit('items', req(), () => order.push('b'))
    clock.t += 20
    expect(hold.release('items', 6, 'new', 'commit')).toBeUndefined()
    expect(order).toEqual([])
    expect(hold.release('items', 7, 'new', 'commit')).toEqual({ route: 'items', epoch: 7, pauses: [50, 20], releasedTo: 'new', cause: 'commit' })
    expect(order).toEqual(['a', 'b'])
    expect(hold.release('items', 7, 'new', 'commit')).toBeUndefined()
    expect(hold.holding()).toBe(false)
  })

  it('on overflow of the count releases the route, the overflowing request last', () => {
    const { hold, order, overflows } = setup(2)
    hold.begin('items', 3)
    for (const n of ['a', 'b', 'c']) hold.admit('items', req(), () => order.push(n))
    expect([overflows, order, hold.holding()]).toEqual([[3], ['a', 'b', 'c'], false])
  })

  it('on overflow of the bytes (declared bodies) releases the route', () => {
    const { hold, order, overflows } = setup(100, 1_000)
    hold.begin('items', 4)
    hold.admit('items', req(600), () => order.push('a'))
    expect(order).toEqual([])
    hold.admit('items', req(600), () => order.push('b'))
    expect([overflows, order]).toEqual([[4], ['a', 'b']])
  })

  it('keeps releasing when one request throws', () => {
    const { hold, order } = setup(10)
    hold.begin('items', 1)
    hold.admit('items', req(), () => {
      throw new Error('boom')
    })
    hold.admit('items', req(), () => order.push('b'))
    hold.releaseAll('close')
    expect(order).toEqual(['error', 'b'])
  })
})
