import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { judgePair } from '../../../audit-service/src/verdict/judge-pair.js'
import { createAuditService, type AuditService } from '../../../audit-service/src/worker/audit-service.js'
import { waitFor, startInfluxd, type TestInflux, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { enqueueBatches, jsonResponse, pairJob } from './pair-jobs.js'

function config(redisUrl: string, influxUrl: string, prefix: string, extra = '', concurrency = 2, workerExtra = ''): ReturnType<typeof parseConfig> {
  return parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${redisUrl}", prefix: ${prefix} }
influx: { url: "${influxUrl}", database: sg, flushInterval: 50ms, maxRetries: 100${extra} }
worker: { concurrency: ${concurrency}, shutdownTimeout: 20s${workerExtra} }
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

  const setup = async (prefix: string, extra = '', judge?: Parameters<typeof createAuditService>[1]['judge'], concurrency = 2, workerExtra = ''): Promise<{ service: AuditService; queue: Queue }> => {
    const service = createAuditService(config(redis.url, influx.url, prefix, extra, concurrency, workerExtra), {
      logger: pino({ level: 'silent' }),
      influx: { minRetryDelayMs: 100, maxRetryDelayMs: 300 },
      influxRetryDelayMs: { min: 100, max: 300 },
      ...(judge ? { judge } : {}),
    })
    services.push(service)
    await service.start()
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix })
    queues.push(queue)
    return { service, queue }
  }
  /** `n` pairs as batch jobs, written the way the gateway writes them. */
  /** `n` pairs as batch jobs of `batchSize`, written the way the gateway writes them. */
  const add = (prefix: string, n: number, base: number, batchSize?: number): Promise<void> =>
    enqueueBatches(
      redis.url,
      prefix,
      Array.from({ length: n }, (_, i) => pairJob('r', jsonResponse({ i }), jsonResponse({ i }), { capturedAtNs: `${base + i}000001` })),
      batchSize,
    )
  const stored = async (from: number, to: number): Promise<number> =>
    ((await influx.query(`SELECT count(judged) FROM shadowgate_audit WHERE time >= ${from}000000 AND time <= ${to}000001`, 'sg'))[0]?.values[0]?.[1] as number | undefined) ?? 0
  const drained = async (queue: Queue): Promise<boolean> => {
    const c = await queue.getJobCounts('wait', 'active', 'delayed')
    return c.wait === 0 && c.active === 0 && c.delayed === 0
  }

  it('InfluxDB down: jobs wait in the queue (delayed, nothing held in memory) and complete once their points are acknowledged', async () => {
    const { service, queue } = await setup('out1')
    await influx.stop()
    try {
      await add('out1', 10, 1_700_001_000_000, 1)
      await waitFor(async () => (await queue.getJobCounts('delayed')).delayed === 10, 20_000, 'every job to wait for InfluxDB')
      expect(service.influxStats()).toMatchObject({ pendingLines: 0, droppedLines: 0, writtenLines: 0 })
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 0, failed: 0 })
    } finally {
      await influx.start()
    }
    await waitFor(() => drained(queue), 20_000, 'the jobs to complete after InfluxDB returned')
    expect(await stored(1_700_001_000_000, 1_700_001_000_009)).toBe(10)
    expect(service.influxStats()).toMatchObject({ pendingLines: 0, droppedLines: 0 })
    expect((await queue.getJobCounts('failed')).failed).toBe(0)
    expect(await service.metrics.registry.metrics()).toMatch(/shadowgate_audit_job_errors_total\{stage="influx"\} [1-9]/)
  })

  it('InfluxDB down longer than maxBufferLines lines would last: no point is dropped, every job completes later', async () => {
    const { service, queue } = await setup('out2', ', maxBufferLines: 4')
    await influx.stop()
    try {
      await add('out2', 12, 1_700_002_000_000, 1)
      await waitFor(async () => (await queue.getJobCounts('delayed')).delayed === 12, 20_000, 'every job to wait for InfluxDB')
    } finally {
      await influx.start()
    }
    await waitFor(() => drained(queue), 20_000, 'the jobs to complete')
    expect(service.influxStats()?.droppedLines).toBe(0)
    expect(await stored(1_700_002_000_000, 1_700_002_000_011)).toBe(12)
  })

  it('a job does not wait for InfluxDB without end: past worker.influxMaxWait it is failed and counted', async () => {
    const { service, queue } = await setup('maxwait', '', undefined, 2, ', influxMaxWait: 1s')
    await influx.stop()
    try {
      await add('maxwait', 1, 1_700_004_000_000, 1)
      await waitFor(async () => (await queue.getJobCounts('failed')).failed === 1, 20_000, 'the job to be failed')
      expect(await queue.getJobCounts('wait', 'active', 'delayed')).toEqual({ wait: 0, active: 0, delayed: 0 })
      expect(await service.metrics.registry.metrics()).toContain('shadowgate_audit_job_errors_total{stage="influx_max_wait"} 1')
    } finally {
      await influx.start()
    }
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
