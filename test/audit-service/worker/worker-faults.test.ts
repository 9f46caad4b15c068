import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { judgePair } from '../../../audit-service/src/verdict/judge-pair.js'
import { createAuditService, type AuditService } from '../../../audit-service/src/worker/audit-service.js'
import { waitFor, startInfluxd, type TestInflux, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { enqueueBatches, jsonResponse, pairJob } from './pair-jobs.js'

function config(redisUrl: string, influxUrl: string, prefix: string, extra = '', concurrency = 2): ReturnType<typeof parseConfig> {
  return parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${redisUrl}", prefix: ${prefix} }
influx: { url: "${influxUrl}", database: sg, flushInterval: 50ms, maxRetries: 100${extra} }
worker: { concurrency: ${concurrency}, shutdownTimeout: 20s }
routes:
  - { name: r, match: "/r/*" }
`)
}

describe('audit worker faults (in process, real Redis and influxd)', () => {
  let redis: TestRedis
  let influx: TestInflux
  const services: AuditService[] = []
  const queues: Queue[] = []
  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    ;[redis, influx] = await Promise.all([startRedis(), startInfluxd()])
    await influx.createDatabase('sg')
  })
  afterAll(async () => {
    for (const q of queues) await q.close()
    for (const s of services) await s.close()
    await Promise.all([redis?.close(), influx?.close()])
  })

  const setup = async (prefix: string, extra = '', judge?: Parameters<typeof createAuditService>[1]['judge'], concurrency = 2): Promise<{ service: AuditService; queue: Queue }> => {
    const service = createAuditService(config(redis.url, influx.url, prefix, extra, concurrency), {
      logger: pino({ level: 'silent' }),
      influx: { minRetryDelayMs: 100, maxRetryDelayMs: 300 },
      ...(judge ? { judge } : {}),
    })
    services.push(service)
    await service.start()
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix })
    queues.push(queue)
    return { service, queue }
  }
  /** `n` pairs as batch jobs, written the way the gateway writes them. */
  const add = (prefix: string, n: number, base: number): Promise<void> =>
    enqueueBatches(
      redis.url,
      prefix,
      Array.from({ length: n }, (_, i) => pairJob('r', jsonResponse({ i }), jsonResponse({ i }), { capturedAtNs: `${base + i}000001` })),
    )
  const stored = async (from: number, to: number): Promise<number> =>
    ((await influx.query(`SELECT count(judged) FROM shadowgate_audit WHERE time >= ${from}000000 AND time <= ${to}000001`, 'sg'))[0]?.values[0]?.[1] as number | undefined) ?? 0
  const drained = async (queue: Queue): Promise<boolean> => {
    const c = await queue.getJobCounts('wait', 'active', 'failed')
    return c.wait === 0 && c.active === 0
  }

  it('InfluxDB down: the worker keeps auditing, buffers, and the points arrive after InfluxDB returns', async () => {
    const { service, queue } = await setup('out1')
    await influx.stop()
    try {
      await add('out1', 10, 1_700_001_000_000)
      await waitFor(() => drained(queue), 20_000, 'jobs to complete while InfluxDB is down')
      expect(service.influxStats()).toMatchObject({ pendingLines: 10, droppedLines: 0 })
    } finally {
      await influx.start()
    }
    await waitFor(() => service.influxStats()?.pendingLines === 0, 20_000, 'buffered points to be written')
    expect(service.influxStats()).toMatchObject({ pendingLines: 0, droppedLines: 0, writtenLines: 10 })
    expect(await stored(1_700_001_000_000, 1_700_001_000_009)).toBe(10)
    expect((await queue.getJobCounts('failed')).failed).toBe(0)
  })

  it('InfluxDB down beyond maxBufferLines: drops are counted (metric) and everything else is written', async () => {
    const { service, queue } = await setup('out2', ', maxBufferLines: 4')
    await influx.stop()
    try {
      await add('out2', 12, 1_700_002_000_000)
      await waitFor(() => drained(queue), 20_000, 'jobs to complete while InfluxDB is down')
    } finally {
      await influx.start()
    }
    await waitFor(() => service.influxStats()?.pendingLines === 0, 20_000, 'the retry buffer to drain')
    const dropped = service.influxStats()!.droppedLines
    expect(dropped).toBeGreaterThan(0)
    expect(await stored(1_700_002_000_000, 1_700_002_000_011)).toBe(12 - dropped)
    const metrics = await service.metrics.registry.metrics()
    expect(metrics).toContain(`shadowgate_audit_influx_dropped_lines_total ${dropped}`)
  })

  it('close(): stops fetching, lets the active job finish, flushes InfluxDB; idempotent', async () => {
    let started = 0
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    const { service, queue } = await setup('grace', '', async (job, rules, limits) => {
      started++
      await gate
      return judgePair(job, rules, limits)
    }, 1)
    await add('grace', 1, 1_700_003_000_000)
    await waitFor(() => started === 1, 10_000, 'the job to start')
    // Waiting behind the active job (concurrency 1): close() must not fetch it.
    await add('grace', 1, 1_700_003_000_001)
    const closing = service.close()
    setTimeout(release, 300)
    await Promise.all([closing, service.close()])
    expect(await stored(1_700_003_000_000, 1_700_003_000_000)).toBe(1)
    expect(started).toBe(1)
    expect(await queue.getJobCounts('wait', 'active')).toMatchObject({ wait: 1, active: 0 })
    expect((await service.http.inject({ url: '/healthz' }).catch(() => ({ statusCode: 503 }))).statusCode).toBe(503)
  })
})
