import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setLogger } from '@influxdata/influxdb-client'
import { startInfluxd, startRedis, waitFor, type TestInflux, type TestRedis } from '@shadowgate/dev-helpers'
import { gateFiguresKey, gateLeaseKey, parseConfig } from '@shadowgate/shared'
import { createAuditService, type AuditService } from '../../../audit-service/src/worker/audit-service.js'
import { enqueueBatches, jsonResponse, pairJob } from '../worker/pair-jobs.js'
import { PREFIX, lastDecision, stageLog, storedStage } from './gate-rig.js'

/** A window start in the real clock's range, so capture times look like the gateway's. */
const T = 1_800_000_000_000

describe('the gate in a running audit worker (real Redis, real BullMQ worker)', () => {
  let server: TestRedis
  let influx: TestInflux
  let redis: Redis
  let service: AuditService
  const clock = { now: T }

  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    ;[server, influx] = await Promise.all([startRedis(), startInfluxd()])
    await influx.createDatabase('sg')
    redis = new Redis(server.url)
    const config = parseConfig(`
primary: http://127.0.0.1:1
shadow: http://127.0.0.1:2
redis: { url: "${server.url}", prefix: ${PREFIX} }
influx: { url: "${influx.url}", database: sg, flushInterval: 50ms }
routes:
  - name: orders
    match: "/orders/*"
    stage: canary
    serve: { percent: 5 }
    gate: { interval: 1s, minComparisons: 10, failureLimit: 2 }
  - { name: users, match: "/users/*" }
`)
    service = createAuditService(config, { logger: pino({ level: 'silent' }), gate: { id: 'worker-1', now: () => clock.now, settleMs: 0, tickMs: 20 } })
    await service.start()
  })
  afterAll(async () => {
    await service.close()
    redis.disconnect()
    await server.close()
    await influx.close()
  })

  const ns = (ms: number): string => `${ms}000000`

  it('counts judged pairs and mismatches per window, unjudged apart, and rolls a wrong new side back within failureLimit windows', async () => {
    expect(service.gate).toBeDefined()
    await waitFor(async () => (await lastDecision(redis))?.['stage'] === 'canary', 5_000)
    expect(await redis.get(gateLeaseKey(PREFIX))).toBe('worker-1')
    const wrong = (w: number, i: number): ReturnType<typeof pairJob> => pairJob('orders', jsonResponse({ id: i, price: 10 }), jsonResponse({ id: i, price: 11 }), { capturedAtNs: ns(T + w * 1_000 + i) })
    const right = (w: number, i: number): ReturnType<typeof pairJob> => pairJob('orders', jsonResponse({ id: i }), jsonResponse({ id: i }), { capturedAtNs: ns(T + w * 1_000 + i) })
    const timeout = (w: number, i: number): ReturnType<typeof pairJob> => pairJob('orders', jsonResponse({ id: i }), { kind: 'error', error: 'timeout', message: 'timed out', latencyMs: 100 }, { capturedAtNs: ns(T + w * 1_000 + i) })
    const ungated = pairJob('users', jsonResponse({ a: 1 }), jsonResponse({ a: 2 }), { capturedAtNs: ns(T + 5) })
    await enqueueBatches(server.url, PREFIX, [...Array.from({ length: 15 }, (_, i) => wrong(0, i)), ...Array.from({ length: 5 }, (_, i) => right(0, 100 + i)), timeout(0, 200), ungated])
    await waitFor(async () => (await redis.hget(gateFiguresKey(PREFIX, 'orders', T), 'judged')) === '20', 10_000)
    expect(await redis.hgetall(gateFiguresKey(PREFIX, 'orders', T))).toEqual({ judged: '20', mismatch: '15', unjudged: '1' })
    expect(await redis.pttl(gateFiguresKey(PREFIX, 'orders', T))).toBeGreaterThan(0)
    // A route without a gate has no figures.
    expect(await redis.exists(gateFiguresKey(PREFIX, 'users', T))).toBe(0)
    clock.now = T + 1_000
    await waitFor(async () => (await lastDecision(redis))?.['decision'] === 'fail', 5_000)
    expect(await storedStage(redis)).toBeUndefined()
    await enqueueBatches(server.url, PREFIX, Array.from({ length: 12 }, (_, i) => wrong(1, i)))
    await waitFor(async () => (await redis.hget(gateFiguresKey(PREFIX, 'orders', T + 1_000), 'judged')) === '12', 10_000)
    clock.now = T + 2_000
    await waitFor(async () => (await storedStage(redis))?.stage === 'shadow', 5_000)
    // The rollback itself (acted, fail streak 2) is read from its shadowgate_gate point below: the worker's next
    // round may already have recorded that the route is out of canary in the last-decision key.
    expect((await stageLog(redis))[0]).toMatchObject({ route: 'orders', by: 'gate:worker-1', to: { stage: 'shadow', serve: 5 } })
    // Each judged window is a shadowgate_gate point with its figures; the rollback is also a shadowgate_stage point.
    const q = 'SELECT "judged", "mismatches", "unjudged", "mismatch_rate", "fail_streak" FROM "shadowgate_gate" WHERE "route" = \'orders\' GROUP BY "decision"'
    await waitFor(async () => (await influx.query(q, 'sg')).length === 2, 10_000)
    const byDecision = Object.fromEntries((await influx.query(q, 'sg')).map((x) => [x.tags?.['decision'], x.values.map((v) => v.slice(1))]))
    expect(byDecision).toEqual({ fail: [[20, 15, 1, 0.75, 1]], rollback: [[12, 12, 0, 1, 2]] })
    await waitFor(async () => (await influx.query('SELECT "stage", "who" FROM "shadowgate_stage"', 'sg')).length === 1, 10_000)
    expect((await influx.query('SELECT "stage", "who" FROM "shadowgate_stage"', 'sg'))[0]?.values[0]?.slice(1)).toEqual(['shadow', 'gate'])
  })
})
