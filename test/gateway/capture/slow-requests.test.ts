import type { IncomingMessage } from 'node:http'
import { validateConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { SlowRequests, type SlowRequest } from '../../../gateway/src/capture/slow-requests.js'

function setup(slowThreshold: string): { slow: SlowRequests; kept: SlowRequest[]; logged: object[]; clock: { now: number } } {
  const config = validateConfig({ primary: 'http://127.0.0.1:1', audit: { redactQuery: ['token'] }, routes: [{ name: 'orders', match: '/orders/*', slowThreshold }] })
  const kept: SlowRequest[] = []
  const logged: object[] = []
  const clock = { now: 1_000_000 }
  const slow = new SlowRequests(config, { instance: 'gw-1', log: { warn: (o) => logged.push(o) }, sink: { add: (e) => kept.push(e) }, now: () => clock.now })
  return { slow, kept, logged, clock }
}

const req = (url = '/orders/1?token=abc'): IncomingMessage => ({ method: 'GET', url, headers: {} }) as IncomingMessage

describe('SlowRequests', () => {
  it('an absolute threshold: only requests past it, with the query redacted', () => {
    const { slow, kept, logged } = setup('1s')
    slow.primaryDone(req(), 'orders', 'alice', 999, 200)
    slow.primaryDone(req(), 'orders', 'alice', 1_001, 200)
    expect(kept).toEqual([{ time: 1_000_000, instance: 'gw-1', route: 'orders', method: 'GET', path: '/orders/1?token=[redacted]', caller: 'alice', primaryMs: 1_001, primaryStatus: 200, shadowMs: null, shadowStatus: null, slow: ['primary'] }])
    expect(logged).toHaveLength(1)
    expect(slow.drainCounts()).toEqual([{ route: 'orders', side: 'primary', count: 1 }])
    expect(slow.drainCounts()).toEqual([])
  })

  it('a mirrored request is judged once both sides are in, whichever ends first', () => {
    const { slow, kept } = setup('1s')
    const a = req()
    slow.copySent(a, 'orders').shadowDone({ latencyMs: 1_500, status: undefined })
    expect(kept).toEqual([])
    slow.primaryDone(a, 'orders', 'bob', 20, 200)
    expect(kept.map((e) => [e.slow, e.shadowMs, e.shadowStatus])).toEqual([[['shadow'], 1_500, null]])
    const b = req('/orders/2')
    const copy = slow.copySent(b, 'orders')
    slow.primaryDone(b, 'orders', 'bob', 1_200, 200)
    expect(kept).toHaveLength(1)
    copy.shadowDone({ latencyMs: 1_300, status: 200 })
    expect(kept[1]).toMatchObject({ path: '/orders/2', slow: ['primary', 'shadow'], primaryMs: 1_200, shadowMs: 1_300, shadowStatus: 200 })
  })

  it('a relative threshold: 2x the route recent p99, silent until enough latencies were seen', () => {
    const { slow, kept, clock } = setup('2x')
    for (let i = 0; i < 49; i++) slow.primaryDone(req(), 'orders', 'a', 100, 200)
    // Fewer than 100 latencies: no p99 yet, nothing is slow.
    slow.primaryDone(req(), 'orders', 'a', 10_000, 200)
    for (let i = 0; i < 150; i++) slow.primaryDone(req(), 'orders', 'a', 100, 200)
    expect(kept).toEqual([])
    // The p99 is recomputed at most once a second; within it, the same threshold (200 ms) applies.
    clock.now += 1_000
    slow.primaryDone(req(), 'orders', 'a', 10_000, 200)
    slow.primaryDone(req(), 'orders', 'a', 199, 200)
    slow.primaryDone(req(), 'orders', 'a', 201, 200)
    expect(kept.map((e) => e.primaryMs)).toEqual([10_000, 201])
  })

  it('logs at most 100 lines a second and says how many it left out', () => {
    const { slow, kept, logged, clock } = setup('1ms')
    for (let i = 0; i < 150; i++) slow.primaryDone(req(), 'orders', 'a', 5, 200)
    expect(kept).toHaveLength(150)
    expect(logged).toHaveLength(100)
    clock.now += 1_000
    slow.primaryDone(req(), 'orders', 'a', 5, 200)
    expect(logged[100]).toMatchObject({ unloggedBefore: 50 })
  })
})
