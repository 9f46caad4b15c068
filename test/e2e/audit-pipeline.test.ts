import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DifferingRoute } from './differing-upstreams.js'
import { E2E_CLOSE_LIMIT_MS, E2E_DB, mirroredTotal, startE2eStack, type E2eStack } from './e2e-stack.js'
import { countBy, single, tagValues } from './influx-counts.js'
import { sendTraffic, type WrongAnswer } from './send-traffic.js'

// gateway (100 % mirror) -> BullMQ in a real redis-server -> audit worker -> real influxd, with a
// primary and a shadow that differ in one known way per route; every count is checked exactly.

/** Requests per route: all different, so a pair counted under the wrong route shows. */
const PLAN = { price: 7, rename: 6, reorder: 5, noise: 8, gzip: 4, text: 3, fail: 5, unaudited: 4 } as const satisfies Partial<Record<DifferingRoute, number>>
const AUDITED = Object.entries(PLAN).filter(([r]) => r !== 'unaudited')
const AUDITED_TOTAL = AUDITED.reduce((n, [, c]) => n + c, 0)
const MIRRORED_TOTAL = AUDITED_TOTAL + PLAN.unaudited

describe('audit pipeline end to end', () => {
  let stack: E2eStack
  let wrong: WrongAnswer[] = []

  beforeAll(async () => {
    stack = await startE2eStack()
    wrong = await sendTraffic(stack.traffic, PLAN)
    await stack.drain()
    // Writes the gateway's last counter window; the audit points are already stored.
    await stack.closeGateway()
  }, 180_000)
  afterAll(async () => {
    await stack?.close()
  }, E2E_CLOSE_LIMIT_MS)

  it('answers every client request with the primary response', () => {
    expect(wrong).toEqual([])
    const primaryGot = stack.primary.received.length
    expect(primaryGot).toBe(MIRRORED_TOTAL)
  })

  it('mirrors every request, also on the route whose audit percent is 0', () => {
    expect(mirroredTotal(stack.gateway)).toBe(MIRRORED_TOTAL)
    for (const [route, n] of Object.entries(PLAN)) {
      // The worker's own A/A samples (routes[].noise.sample) are not mirrored requests.
      expect(stack.shadow.received.filter((r) => r.url.startsWith(`/${route}/`) && r.headers['x-shadowgate-noise'] === undefined).length, route).toBe(n)
      expect(stack.gateway.metrics.snapshot()[route]?.mirrored, route).toBe(n)
    }
  })

  it('accounts for every mirrored request in the producer: audited or not sampled, none dropped', () => {
    const s = stack.gateway.auditStats()
    expect(s).toMatchObject({ offered: MIRRORED_TOTAL, enqueued: AUDITED_TOTAL, notSampled: PLAN.unaudited, buffered: 0, inFlight: 0 })
    expect(Object.values(s?.dropped ?? {}).every((n) => n === 0), JSON.stringify(s?.dropped)).toBe(true)
  })

  it('writes exactly one shadowgate_audit point per audited pair, by route and outcome', async () => {
    expect(await countBy(stack.influx, 'SELECT count("judged") FROM shadowgate_audit GROUP BY route, outcome', ['route', 'outcome'])).toEqual({
      'price/mismatch': PLAN.price,
      'rename/mismatch': PLAN.rename,
      'reorder/mismatch': PLAN.reorder,
      'noise/match': PLAN.noise,
      'gzip/mismatch': PLAN.gzip,
      'text/mismatch': PLAN.text,
      'fail/mismatch': PLAN.fail,
    })
    expect(await single(stack.influx, 'SELECT count("judged") FROM shadowgate_audit')).toBe(AUDITED_TOTAL)
  })

  it('records why each route mismatched, with both statuses', async () => {
    const reasons = await stack.influx.query('SELECT "reason", "primary_status", "shadow_status", "diff_paths" FROM shadowgate_audit GROUP BY route', E2E_DB)
    const seen: Record<string, string[]> = {}
    for (const s of reasons) seen[s.tags?.['route'] ?? ''] = [...new Set(s.values.map((v) => JSON.stringify(v.slice(1))))]
    expect(seen).toEqual({
      price: [JSON.stringify(['body', 200, 200, 1])],
      rename: [JSON.stringify(['body', 200, 200, 2])],
      reorder: [JSON.stringify(['body', 200, 200, 2])],
      noise: [JSON.stringify(['json', 200, 200, 0])],
      gzip: [JSON.stringify(['body', 200, 200, 1])],
      text: [JSON.stringify(['body', 200, 200, 1])],
      fail: [JSON.stringify(['status', 200, 500, 4])],
    })
  })

  it('writes the exact field paths and kinds in shadowgate_field_diff', async () => {
    const sums = await countBy(stack.influx, 'SELECT sum("elements") FROM shadowgate_field_diff GROUP BY route, path, kind', ['route', 'path', 'kind'])
    expect(sums).toEqual({
      'price/$.price/changed': PLAN.price,
      'rename/$.name/removed': PLAN.rename,
      'rename/$.title/added': PLAN.rename,
      'reorder/$.tags[*]/added': PLAN.reorder,
      'reorder/$.tags[*]/removed': PLAN.reorder,
      'gzip/$.total/changed': PLAN.gzip,
      'text/$/changed': PLAN.text,
      'fail/status/changed': PLAN.fail,
      'fail/$.id/removed': PLAN.fail,
      'fail/$.value/removed': PLAN.fail,
      'fail/$.error/added': PLAN.fail,
    })
    // Each pair differs once per (path, kind): one point per pair, each with count 1.
    expect(await countBy(stack.influx, 'SELECT sum("pairs") FROM shadowgate_field_diff GROUP BY route, path, kind', ['route', 'path', 'kind'])).toEqual(sums)
  })

  it('never records the timestamp noise an ignore rule covers, nor the reordered array declared unordered', async () => {
    const paths = await tagValues(stack.influx, 'shadowgate_field_diff', 'path')
    expect(paths).not.toContain('$.generatedAt')
    expect(paths.some((p) => p.startsWith('$.sizes'))).toBe(false)
  })

  it('writes no audit point for the route whose audit percent is 0', async () => {
    expect(await tagValues(stack.influx, 'shadowgate_audit', 'route')).not.toContain('unaudited')
    expect(await single(stack.influx, `SELECT count("judged") FROM shadowgate_audit WHERE route = 'unaudited'`)).toBe(0)
  })

  it('keeps one mismatch group per mismatching route with the exact count', async () => {
    const groups = await stack.worker.store.list({ limit: 100 })
    const counts = Object.fromEntries(groups.map((g) => [g.route, g.count]))
    expect(counts).toEqual({ price: PLAN.price, rename: PLAN.rename, reorder: PLAN.reorder, gzip: PLAN.gzip, text: PLAN.text, fail: PLAN.fail })
  })

  it('writes the gateway counters: mirrored per route, summing to what the gateway counted', async () => {
    const mirrored = await countBy(stack.influx, `SELECT sum("count") FROM shadowgate_gateway WHERE reason = 'mirrored' GROUP BY route`, ['route'])
    expect(mirrored).toEqual(PLAN)
    expect(await tagValues(stack.influx, 'shadowgate_gateway', 'instance')).toEqual(['e2e-gw'])
    expect(stack.gateway.influxStats()).toMatchObject({ droppedLines: 0, pendingLines: 0 })
  })
})
