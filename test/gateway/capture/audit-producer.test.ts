import { Worker, type Job, type Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AUDIT_BATCH_JOB_NAME, AUDIT_QUEUE_NAME, ConfigError, auditBatchKey, parseAuditJob, validateConfig, type AuditJob } from '@shadowgate/shared'
import type { AuditProducer } from '../../../gateway/src/capture/audit-producer.js'
import { AUDIT_EVENTS_MAX_LEN } from '../../../gateway/src/capture/audit-queue-writer.js'
import { startRedis, type TestRedis, waitFor } from '@shadowgate/dev-helpers'
import { accounted, auditMetric, batchPairs, bodyBytes, makePair, newProducer, offer, queueClient, queuedPairs, readerQueue, response, testConfig, totalDropped, uniquePrefix } from './capture-fixtures.js'

let redis: TestRedis
const open: Array<{ close(): Promise<unknown> }> = []

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  open.push(x)
  return x
}

beforeAll(async () => {
  redis = await startRedis()
})

afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)))
})

afterAll(async () => {
  await redis?.close()
})

async function waitingJobs(queue: Queue): Promise<Job[]> {
  return await queue.getJobs(['waiting'], 0, -1)
}

function startProducer(audit: Record<string, unknown> = {}, routes?: unknown[]): { producer: AuditProducer; queue: Queue; metrics: ReturnType<typeof newProducer>['metrics']; prefix: string } {
  const prefix = uniquePrefix()
  const { producer, metrics } = newProducer(testConfig(redis.url, prefix, audit, routes))
  track(producer)
  producer.start()
  const queue = track(readerQueue(redis.url, prefix))
  return { producer, queue, metrics, prefix }
}

async function connected(producer: AuditProducer): Promise<void> {
  await waitFor(() => producer.stats().redisConnected, 10_000, 'the producer to connect to Redis')
}

describe('AuditProducer', () => {
  it('enqueues pairs as batch jobs of valid pairs (job id b-<first pair id>), readable by a real worker', async () => {
    const { producer, prefix, metrics } = startProducer()
    await connected(producer)
    const seen: AuditJob[] = []
    const names: string[] = []
    const batches = track(readerQueue(redis.url, prefix))
    const worker = track(
      new Worker(
        AUDIT_QUEUE_NAME,
        async (job: Job) => {
          names.push(job.name)
          const pairs = await batchPairs(batches, job)
          expect(job.id).toBe(`b-${pairs[0]?.id}`)
          seen.push(...pairs.map((p) => parseAuditJob(p)))
        },
        { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix },
      ),
    )
    const ids = ['p-1', 'p-2', 'p-3']
    for (const id of ids) expect(offer(producer, makePair(id, { url: `/products/${id}?token=abc&x=1` }))).toBe(true)
    await waitFor(() => seen.length === 3, 10_000, 'three pairs processed')
    expect(seen.map((j) => j.id).sort()).toEqual(ids)
    expect(new Set(names)).toEqual(new Set([AUDIT_BATCH_JOB_NAME]))
    expect(names.length).toBe(producer.stats().batches)
    for (const job of seen) {
      expect(job.instance).toBe('gw-test-1')
      expect(job.request.query).toBe('token=[redacted]&x=1')
    }
    // removeOnComplete: nothing is left behind once the worker is done.
    const reader = track(readerQueue(redis.url, prefix))
    await waitFor(async () => (await reader.getJobCounts('completed')).completed === 0, 5_000, 'completed jobs removed')
    await worker.close()
    expect(producer.stats()).toMatchObject({ offered: 3, pushed: 3, enqueued: 3, notSampled: 0, buffered: 0, inFlight: 0 })
    expect(await auditMetric(metrics, 'enqueued')).toBe(3)
  })

  it('gives every job a unique capture time and stores jobs exactly as built', async () => {
    const { producer, queue } = startProducer()
    await connected(producer)
    for (let i = 0; i < 200; i++) offer(producer, makePair(`u-${i}`))
    await waitFor(() => producer.stats().enqueued === 200, 10_000, '200 enqueued')
    const pairs = await queuedPairs(queue)
    expect(pairs).toHaveLength(200)
    const stamps = new Set(pairs.map((p) => parseAuditJob(p).capturedAtNs))
    expect(stamps.size).toBe(200)
    const jobs = await waitingJobs(queue)
    const opts = jobs[0]?.opts
    expect(opts?.removeOnComplete).toBe(true)
    expect(opts?.removeOnFail).toEqual({ count: 1_000 })
  })

  it('keeps its accounts exact when the mirror withdraws an accepted pair whose copy was not sent', async () => {
    const { producer, queue } = startProducer()
    await connected(producer)
    expect(producer.accepts('api', 'withdrawn-1')).toBe(true)
    producer.withdraw('api', 'withdrawn-1')
    expect(offer(producer, makePair('kept-1'))).toBe(true)
    await waitFor(async () => (await queuedPairs(queue)).length === 1, 10_000, 'the kept pair to be enqueued')
    const stats = producer.stats()
    expect(stats.offered).toBe(1)
    expect(stats.enqueued).toBe(1)
    expect(accounted(stats)).toBe(stats.offered)
  })

  it('counts a pair the mirror gave up for the capture budget as dropped_capture_budget, keeping its accounts exact', async () => {
    const { producer, metrics } = startProducer()
    await connected(producer)
    expect(producer.accepts('api', 'over-budget-1')).toBe(true)
    expect(producer.accepts('api', 'over-budget-2')).toBe(true)
    producer.drop('api', 'over-budget-1', 'capture_budget')
    producer.drop('api', 'over-budget-2', 'capture_budget')
    const stats = producer.stats()
    expect(stats.offered).toBe(2)
    expect(stats.pushed).toBe(0)
    expect(stats.dropped.capture_budget).toBe(2)
    expect(accounted(stats)).toBe(stats.offered)
    expect(await auditMetric(metrics, 'dropped_capture_budget')).toBe(2)
  })

  it('samples by route audit.percent: 0 enqueues nothing and counts not_sampled, 100 enqueues all', async () => {
    const routes = [
      { name: 'none', match: '/none', mirror: { percent: 100 }, audit: { percent: 0 } },
      { name: 'all', match: '/all', mirror: { percent: 100 } },
      { name: 'half', match: '/half', mirror: { percent: 100 }, audit: { percent: 50 } },
    ]
    const { producer, queue, metrics } = startProducer({}, routes)
    await connected(producer)
    for (let i = 0; i < 20; i++) expect(offer(producer, makePair(`n-${i}`, { route: 'none' }))).toBe(false)
    for (let i = 0; i < 20; i++) expect(offer(producer, makePair(`a-${i}`, { route: 'all' }))).toBe(true)
    let half = 0
    for (let i = 0; i < 400; i++) if (offer(producer, makePair(`h-${i}`, { route: 'half' }))) half++
    // Hash-based: the same ids always give the same sample, and about half of them.
    expect(half).toBeGreaterThan(140)
    expect(half).toBeLessThan(260)
    await waitFor(() => producer.stats().enqueued === 20 + half, 10_000, 'sampled pairs enqueued')
    const pairs = await queuedPairs(queue)
    expect(pairs.filter((p) => p.route === 'none')).toHaveLength(0)
    expect(pairs.filter((p) => p.route === 'all')).toHaveLength(20)
    expect(pairs).toHaveLength(20 + half)
    const s = producer.stats()
    expect(s.notSampled).toBe(20 + 400 - half)
    expect(accounted(s)).toBe(s.offered)
    expect(await auditMetric(metrics, 'not_sampled')).toBe(s.notSampled)
    expect(await auditMetric(metrics, 'enqueued')).toBe(s.enqueued)
  })

  it('writes in micro-batches: N pairs travel in about ceil(N / batchSize) jobs of at most batchSize pairs', async () => {
    const { producer, queue, prefix } = startProducer({ batchSize: 25 })
    await connected(producer)
    for (let i = 0; i < 250; i++) offer(producer, makePair(`m-${i}`))
    await waitFor(() => producer.stats().enqueued === 250, 10_000, '250 enqueued')
    const pairs = await queuedPairs(queue)
    expect(pairs.map((p) => p.id).sort()).toEqual(Array.from({ length: 250 }, (_, i) => `m-${i}`).sort())
    const jobs = await waitingJobs(queue)
    const client = await queueClient(queue)
    for (const job of jobs) {
      expect((await batchPairs(queue, job)).length).toBeLessThanOrEqual(25)
      // The job is a small envelope; its pairs are bytes beside it, which expire if no worker ever deletes them.
      expect(job.data).toMatchObject({ v: 2, kind: 'batch', format: 'sg-pairs-2' })
      expect(await client.pttl(auditBatchKey(prefix, String(job.id)))).toBeGreaterThan(0)
    }
    const { batches } = producer.stats()
    expect(jobs).toHaveLength(batches)
    expect(batches).toBeGreaterThanOrEqual(10)
    expect(batches).toBeLessThanOrEqual(12)
  })

  // Regression: a pair the gateway cannot write must cost its batch nothing but itself (the writer rewinds past it).
  it('leaves a pair it cannot write out of its batch, counted dropped_invalid, and enqueues the others whole', async () => {
    const { producer, queue } = startProducer({ batchSize: 10 })
    await connected(producer)
    for (let i = 0; i < 10; i++) offer(producer, i === 4 ? makePair('bad-4', { primary: response('x', { status: 0 }) }) : makePair(`ok-${i}`))
    await waitFor(() => producer.stats().enqueued === 9, 10_000, 'nine enqueued')
    expect(producer.stats().dropped.invalid).toBe(1)
    const pairs = await queuedPairs(queue)
    expect(pairs.map((p) => p.id)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9].map((i) => `ok-${i}`))
    for (const p of pairs) expect(p.primary.kind === 'response' && bodyBytes(p.primary.body).toString()).toBe(`{"id":"${p.id}","price":1}`)
    expect(accounted(producer.stats())).toBe(10)
  })

  it('flushes a partial batch on the timer', async () => {
    const { producer, queue } = startProducer({ batchSize: 1000, flushInterval: '20ms' })
    await connected(producer)
    offer(producer, makePair('lonely'))
    await waitFor(async () => (await queue.count()) === 1, 5_000, 'the lone pair enqueued')
    expect(producer.stats()).toMatchObject({ enqueued: 1, batches: 1 })
  })

  it('drops and counts pairs beyond the buffer bound instead of growing', async () => {
    const { producer, queue, metrics } = startProducer({ bufferSize: 5 })
    await connected(producer)
    // All pushed in one synchronous run: the flusher cannot get in between.
    for (let i = 0; i < 50; i++) offer(producer, makePair(`o-${i}`))
    expect(producer.stats()).toMatchObject({ buffered: 5, dropped: { buffer_full: 45 } })
    await waitFor(() => producer.stats().enqueued === 5, 10_000, 'the buffered five enqueued')
    expect(await queuedPairs(queue)).toHaveLength(5)
    expect(await auditMetric(metrics, 'dropped_buffer_full')).toBe(45)
    expect(accounted(producer.stats())).toBe(50)
  })

  it('bounds the buffer by body bytes too', async () => {
    const { producer } = startProducer({ maxBufferBytes: 10_000 })
    await connected(producer)
    const body = Buffer.alloc(3_000, 'a')
    for (let i = 0; i < 10; i++) offer(producer, makePair(`bb-${i}`, { primary: { kind: 'response', status: 200, headers: [], body, truncated: false, latencyMs: 1 } }))
    expect(producer.stats()).toMatchObject({ buffered: 3, dropped: { buffer_full: 7 } })
    await waitFor(() => producer.stats().enqueued === 3, 10_000, 'three enqueued')
  })

  it('caps the queue depth: with no worker, pairs beyond maxQueueDepth are dropped_queue_full until it drains', async () => {
    const { producer, queue, prefix } = startProducer({ maxQueueDepth: 10, depthCheckInterval: '100ms' })
    await connected(producer)
    for (let i = 0; i < 30; i++) offer(producer, makePair(`d-${i}`))
    await waitFor(() => producer.stats().enqueued === 10, 10_000, 'ten enqueued')
    expect(producer.stats().dropped.queue_full).toBe(20)
    expect(await queuedPairs(queue)).toHaveLength(10)
    await waitFor(() => producer.stats().queueDepth === 10, 5_000, 'a depth check to see the full queue')
    expect(producer.accepts('products', 'late-1')).toBe(false)
    expect(producer.stats().dropped.queue_full).toBe(21)
    // A worker drains the queue; the next depth checks let pairs through again.
    const worker = track(new Worker(AUDIT_QUEUE_NAME, async () => undefined, { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix }))
    await waitFor(async () => (await queue.count()) === 0, 10_000, 'the worker to drain the queue')
    await waitFor(() => producer.stats().queueDepth === 0, 5_000, 'a depth check to see the drained queue')
    await worker.close()
    expect(offer(producer, makePair('after-drain'))).toBe(true)
    await waitFor(() => producer.stats().enqueued === 11, 5_000, 'the pair after the drain enqueued')
    const s = producer.stats()
    expect(accounted(s)).toBe(s.offered)
  })

  it('close() flushes what is buffered, is idempotent, and leaves an injected connection open', async () => {
    const prefix = uniquePrefix()
    const connection = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
    open.push({ close: async () => connection.disconnect() })
    await connection.connect()
    const { producer } = newProducer(testConfig(redis.url, prefix, { batchSize: 1000, flushInterval: '50ms' }), { connection })
    producer.start()
    for (let i = 0; i < 40; i++) offer(producer, makePair(`c-${i}`))
    const first = producer.close()
    expect(producer.close()).toBe(first)
    await first
    await producer.close()
    expect(producer.stats()).toMatchObject({ enqueued: 40, buffered: 0, inFlight: 0 })
    expect(totalDropped(producer.stats())).toBe(0)
    expect(connection.status).toBe('ready')
    const reader = track(readerQueue(redis.url, prefix))
    expect(await queuedPairs(reader)).toHaveLength(40)
    // After close, pairs are refused and counted, never thrown.
    expect(producer.accepts('products', 'too-late')).toBe(false)
    expect(() => producer.push(makePair('too-late-2'))).not.toThrow()
    expect(producer.stats().dropped.shutdown).toBe(2)
  })

  it('bodies survive the trip through Redis byte for byte: raw text, raw binary and gzip', async () => {
    const { producer, queue } = startProducer({ compressAboveBytes: 1024 })
    await connected(producer)
    const text = Buffer.from('{"name":"café"}')
    const binary = Buffer.from([0x00, 0xff, 0x10, 0x80])
    const big = Buffer.from(JSON.stringify({ rows: Array.from({ length: 300 }, (_, i) => ({ i, text: 'the same words' })) }))
    offer(producer, makePair('rt-1', { primary: response(text), shadow: response(binary) }))
    offer(producer, makePair('rt-2', { primary: response(big), shadow: { kind: 'error', error: 'timeout', message: 'shadow timed out', latencyMs: 5000 } }))
    await waitFor(() => producer.stats().enqueued === 2, 5_000, 'two enqueued')
    const byId = new Map((await queuedPairs(queue)).map((p) => [p.id, parseAuditJob(p)]))
    const decode = (o: AuditJob['primary']): Buffer => {
      if (o.kind !== 'response') throw new Error('expected a response')
      return bodyBytes(o.body)
    }
    const one = byId.get('rt-1')
    const two = byId.get('rt-2')
    if (!one || !two) throw new Error('jobs missing')
    expect(one.primary.kind === 'response' && one.primary.body.encoding).toBe('raw')
    expect(one.shadow.kind === 'response' && one.shadow.body.encoding).toBe('raw')
    expect(two.primary.kind === 'response' && two.primary.body.encoding).toBe('gzip')
    expect(decode(one.primary).equals(text)).toBe(true)
    expect(decode(one.shadow).equals(binary)).toBe(true)
    expect(decode(two.primary).equals(big)).toBe(true)
    expect(two.shadow).toEqual({ kind: 'error', error: 'timeout', message: 'shadow timed out', latencyMs: 5000 })
  })

  it('counts pairs as not sampled when audit.enabled is false, and needs no Redis then', async () => {
    const config = validateConfig({ primary: 'http://127.0.0.1:9', routes: [{ name: 'products', match: '/p' }], audit: { enabled: false } })
    const { producer, metrics } = newProducer(config)
    track(producer)
    producer.start()
    expect(producer.accepts('products', 'r1')).toBe(false)
    expect(producer.stats()).toMatchObject({ offered: 1, notSampled: 1, enqueued: 0, redisConnected: false })
    expect(await auditMetric(metrics, 'not_sampled')).toBe(1)
  })

  it('refuses to be built for auditing without Redis, naming the key', () => {
    const config = validateConfig({ primary: 'http://127.0.0.1:9' })
    expect(() => newProducer(config)).toThrow(ConfigError)
    expect(() => newProducer(config)).toThrow(/^redis is required/)
  })

  it('stores jobs under the configured prefix with a capped events stream', async () => {
    const { producer, prefix } = startProducer()
    await connected(producer)
    offer(producer, makePair('pfx-1'))
    await waitFor(() => producer.stats().enqueued === 1, 5_000, 'one enqueued')
    const probe = new Redis(redis.url)
    open.push({ close: async () => probe.disconnect() })
    const keys = await probe.keys(`*${AUDIT_QUEUE_NAME}*`)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.filter((k) => k.startsWith(`${prefix}:${AUDIT_QUEUE_NAME}:`)).length).toBeGreaterThan(0)
    expect(await probe.exists(`${prefix}:${AUDIT_QUEUE_NAME}:b-pfx-1`)).toBe(1)
    // The events stream is capped, so a queue nobody listens to does not grow without end.
    expect(await probe.hget(`${prefix}:${AUDIT_QUEUE_NAME}:meta`, 'opts.maxLenEvents')).toBe(String(AUDIT_EVENTS_MAX_LEN))
  })
})
