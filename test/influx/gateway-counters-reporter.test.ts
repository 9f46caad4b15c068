import type { InfluxConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayCountersReporter, InfluxWriter, type RouteMirrorCounters } from '@shadowgate/influx'
import { waitFor, startInfluxd, type TestInflux } from '@shadowgate/dev-helpers'

describe('GatewayCountersReporter', () => {
  let influx: TestInflux
  let writer: InfluxWriter
  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase('gw')
    const cfg: InfluxConfig = { version: 1, url: influx.url, database: 'gw', retentionPolicy: undefined, username: undefined, password: undefined, flushMs: 20, batchSize: 100, maxBufferLines: 100, maxRetries: 1, gatewayWindowMs: 1_000 }
    writer = new InfluxWriter(cfg)
  })
  afterAll(async () => {
    await writer?.close()
    await influx?.close()
  })

  it('writes per-window deltas of mirrored and not-mirrored counters, tagged route, reason, instance', async () => {
    const counters: Record<string, RouteMirrorCounters> = { orders: { mirrored: 5, notMirrored: { not_sampled: 2, circuit_open: 0 } } }
    let now = 1_700_000_000_000
    const reporter = new GatewayCountersReporter({ writer, snapshot: () => counters, instance: 'gw-7', windowMs: 10_000, now: () => now })
    expect(reporter.report()).toBe(2)
    now += 10_000
    counters['orders'] = { mirrored: 8, notMirrored: { not_sampled: 2, circuit_open: 4 } }
    counters['users'] = { mirrored: 1, notMirrored: {} }
    expect(reporter.report()).toBe(3)
    expect(reporter.report()).toBe(0)
    counters['orders'] = { mirrored: 9, notMirrored: { not_sampled: 2, circuit_open: 4 } }
    await reporter.close()
    await reporter.close()
    await writer.flush()
    await waitFor(async () => (await influx.query('SELECT count(count) FROM shadowgate_gateway', 'gw'))[0]?.values[0]?.[1] === 6, 10_000, 'six points')
    const rows = await influx.query('SELECT sum(count) FROM shadowgate_gateway GROUP BY route, reason, instance', 'gw')
    const sums = Object.fromEntries(rows.map((s) => [`${s.tags?.['route']}/${s.tags?.['reason']}/${s.tags?.['instance']}`, s.values[0]?.[1]]))
    expect(sums).toEqual({ 'orders/mirrored/gw-7': 9, 'orders/not_sampled/gw-7': 2, 'orders/circuit_open/gw-7': 4, 'users/mirrored/gw-7': 1 })
    const first = await influx.query(`SELECT count FROM shadowgate_gateway WHERE reason = 'mirrored' AND route = 'orders'`, 'gw')
    expect(first[0]?.values.map((v) => v[1])).toEqual([5, 3, 1])
    expect(first[0]?.values[0]?.[0]).toBe(1_700_000_000_000_000_000)
  })
})
