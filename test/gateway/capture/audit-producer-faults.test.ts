import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import type { AuditProducer } from '../../../gateway/src/capture/audit-producer.js'
import { startRedis, type TestRedis, waitFor } from '@shadowgate/dev-helpers'
import { accounted, auditMetric, makePair, newProducer, offer, queuedPairs, readerQueue, testConfig, uniquePrefix } from './capture-fixtures.js'

// Each test stops and starts this redis-server, so it is per test, not shared.
let redis: TestRedis | undefined
const open: Array<{ close(): Promise<unknown> }> = []

beforeEach(async () => {
  redis = await startRedis()
})

afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)))
  await redis?.close()
  redis = undefined
})

afterAll(async () => {
  await redis?.close()
})

function server(): TestRedis {
  if (!redis) throw new Error('redis-server not started')
  return redis
}

function producerOn(prefix: string, audit: Record<string, unknown> = {}): ReturnType<typeof newProducer> {
  const made = newProducer(testConfig(server().url, prefix, audit), { closeTimeoutMs: 500 })
  open.push(made.producer)
  made.producer.start()
  return made
}

async function gauge(metrics: ReturnType<typeof newProducer>['metrics'], name: string): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get()
  return m?.values[0]?.value ?? 0
}

/**
 * A connected producer whose first batch of 10 pairs (`<idPrefix>-<i>`) went to a frozen (SIGSTOP)
 * redis-server and is counted unknown. Redis stays frozen: the caller resumes or kills it.
 */
async function frozenBatch(idPrefix: string): Promise<ReturnType<typeof newProducer> & { prefix: string }> {
  const prefix = uniquePrefix()
  const made = producerOn(prefix, { batchSize: 1000, flushInterval: '1ms' })
  await connected(made.producer)
  // Frozen, not dead: connections stay open, whatever was sent is read and run when it resumes.
  server().signal('SIGSTOP')
  for (let i = 0; i < 10; i++) offer(made.producer, makePair(`${idPrefix}-${i}`))
  await waitFor(() => made.producer.stats().unknown === 10, 10_000, 'the unanswered batch to be counted unknown')
  return { ...made, prefix }
}

async function connected(producer: AuditProducer, want = true): Promise<void> {
  await waitFor(() => producer.stats().redisConnected === want, 15_000, `the producer to be ${want ? 'connected' : 'disconnected'}`)
}

/** Offers pairs until one is enqueued (or the bound passes); returns how many were offered. */
async function offerUntilEnqueued(producer: AuditProducer, idPrefix: string): Promise<number> {
  const before = producer.stats().enqueued
  let n = 0
  await waitFor(
    () => {
      offer(producer, makePair(`${idPrefix}-${n++}`))
      return producer.stats().enqueued > before
    },
    20_000,
    'enqueueing to resume',
  )
  return n
}

describe('AuditProducer when Redis fails', () => {
  it('keeps taking pairs while Redis is down, counts them dropped, and resumes when it is back', async () => {
    const prefix = uniquePrefix()
    const { producer, metrics } = producerOn(prefix)
    await connected(producer)
    for (let i = 0; i < 5; i++) offer(producer, makePair(`before-${i}`))
    await waitFor(() => producer.stats().enqueued === 5, 10_000, 'five enqueued before the outage')

    await server().stop()
    await connected(producer, false)
    for (let i = 0; i < 100; i++) {
      // push() returns synchronously without throwing; the pair is buffered or counted at once.
      expect(offer(producer, makePair(`down-${i}`))).toBe(true)
      const s = producer.stats()
      expect(accounted(s)).toBe(s.offered)
    }
    await waitFor(() => producer.stats().buffered === 0 && producer.stats().inFlight === 0, 10_000, 'the buffer to be drained by dropping')
    const down = producer.stats()
    expect(down.enqueued).toBe(5)
    expect(down.dropped.redis + down.dropped.buffer_full).toBe(100)
    expect(await auditMetric(metrics, 'dropped_redis')).toBe(down.dropped.redis)

    await server().start()
    await connected(producer)
    const offered = await offerUntilEnqueued(producer, 'after')
    await waitFor(() => producer.stats().buffered === 0 && producer.stats().inFlight === 0, 10_000, 'the buffer to settle')
    const after = producer.stats()
    expect(after.offered).toBe(105 + offered)
    expect(accounted(after)).toBe(after.offered)
    const reader = readerQueue(server().url, prefix)
    open.push(reader)
    // The restarted server kept nothing (no persistence): what it holds is exactly what was enqueued since.
    expect((await queuedPairs(reader)).length).toBe(after.enqueued - 5)
  })

  it('starts while Redis is down, drops meanwhile, and enqueues once Redis comes up', async () => {
    const prefix = uniquePrefix()
    await server().stop()
    const { producer } = producerOn(prefix)
    for (let i = 0; i < 10; i++) offer(producer, makePair(`early-${i}`))
    await waitFor(() => producer.stats().dropped.redis === 10, 10_000, 'the early pairs dropped_redis')
    expect(producer.stats().enqueued).toBe(0)
    await server().start()
    await connected(producer)
    await offerUntilEnqueued(producer, 'late')
    const reader = readerQueue(server().url, prefix)
    open.push(reader)
    await waitFor(async () => (await queuedPairs(reader)).length === producer.stats().enqueued, 5_000, 'pairs in Redis to match the count')
  })

  it('close() is idempotent and bounded with Redis down, and accounts for every pair', async () => {
    const prefix = uniquePrefix()
    const { producer } = producerOn(prefix, { batchSize: 1000, flushInterval: '50ms' })
    await connected(producer)
    await server().stop()
    await connected(producer, false)
    for (let i = 0; i < 30; i++) offer(producer, makePair(`x-${i}`))
    const first = producer.close()
    expect(producer.close()).toBe(first)
    await first
    const s = producer.stats()
    expect(s).toMatchObject({ offered: 30, enqueued: 0, buffered: 0, inFlight: 0 })
    expect(s.dropped.redis + s.dropped.shutdown).toBe(30)
    expect(s.redisConnected).toBe(false)
  })

  it('a batch Redis answers late (CLIENT PAUSE) is counted once: unknown, then reconciled as enqueued', async () => {
    const prefix = uniquePrefix()
    const { producer } = producerOn(prefix, { batchSize: 1000, flushInterval: '1ms' })
    await connected(producer)
    const admin = new Redis(server().url)
    open.push({ close: async () => admin.disconnect() })
    // Longer than one write's deadline: the write times out on a live connection, lands when the
    // pause ends, and the check of its job id (or its deduplication receipt) then counts it enqueued.
    await admin.call('CLIENT', 'PAUSE', '2500', 'ALL')
    for (let i = 0; i < 10; i++) offer(producer, makePair(`late-${i}`))
    await waitFor(() => producer.stats().enqueued === 10, 15_000, 'the late batch to be enqueued')
    expect(accounted(producer.stats())).toBe(10)
    expect(producer.stats().dropped.redis).toBe(0)
    const reader = readerQueue(server().url, prefix)
    open.push(reader)
    expect((await queuedPairs(reader)).map((p) => p.id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `late-${i}`).sort())
  })

  it('a slow Redis over-counts drops: a batch redis-server got while frozen (SIGSTOP) is counted unknown, then enqueued once Redis runs it', async () => {
    let made: Awaited<ReturnType<typeof frozenBatch>> | undefined
    try {
      made = await frozenBatch('slow')
      const { producer, metrics } = made
      expect(producer.stats()).toMatchObject({ enqueued: 0, unknown: 10, unknownRedis: 0 })
      expect(producer.stats().dropped.redis).toBe(0)
      expect(await gauge(metrics, 'shadowgate_audit_pairs_unknown')).toBe(10)
      expect(accounted(producer.stats())).toBe(10)
    } finally {
      server().signal('SIGCONT')
    }
    const { producer, metrics, prefix } = made
    await waitFor(() => producer.stats().unknown === 0, 15_000, 'the batch to be reconciled')
    const s = producer.stats()
    expect(s).toMatchObject({ enqueued: 10, unknown: 0, unknownRedis: 0, reconciled: { enqueued: 10, dropped: 0 } })
    expect(s.dropped.redis).toBe(0)
    expect(await auditMetric(metrics, 'enqueued')).toBe(10)
    expect(await auditMetric(metrics, 'dropped_redis')).toBe(0)
    expect(await gauge(metrics, 'shadowgate_audit_pairs_unknown')).toBe(0)
    const reader = readerQueue(server().url, prefix)
    open.push(reader)
    expect((await queuedPairs(reader)).map((p) => p.id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `slow-${i}`).sort())
  })

  it('an unanswered batch that Redis never ran (killed while frozen) is reconciled as dropped_redis', async () => {
    let made: Awaited<ReturnType<typeof frozenBatch>> | undefined
    try {
      made = await frozenBatch('lost')
    } finally {
      // Killed before it could read the write (SIGKILL needs no SIGCONT); it comes back empty (no persistence).
      server().signal('SIGKILL')
      await server().stop()
    }
    const { producer, metrics } = made
    await connected(producer, false)
    // Down long enough for several reconnect attempts: ioredis then gives up the unanswered write
    // (maxRetriesPerRequest 1) instead of sending it again to the restarted server.
    await new Promise((r) => setTimeout(r, 1_000))
    await server().start()
    await waitFor(() => producer.stats().unknown === 0, 20_000, 'the batch to be reconciled')
    expect(producer.stats()).toMatchObject({ enqueued: 0, reconciled: { enqueued: 0, dropped: 10 } })
    expect(producer.stats().dropped.redis).toBe(10)
    expect(await auditMetric(metrics, 'dropped_redis')).toBe(10)
  })

  it('close() while Redis stays frozen is bounded and counts the unanswered pairs unknown_redis for good', async () => {
    let made: Awaited<ReturnType<typeof frozenBatch>> | undefined
    try {
      made = await frozenBatch('slow')
      const { producer } = made
      for (let i = 0; i < 10; i++) offer(producer, makePair(`slow2-${i}`))
      const started = Date.now()
      await producer.close()
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      server().signal('SIGCONT')
    }
    const { producer, metrics } = made
    const s = producer.stats()
    expect(s.offered).toBe(20)
    expect(accounted(s)).toBe(20)
    expect(s.buffered + s.inFlight + s.unknown).toBe(0)
    expect(s.unknownRedis).toBeGreaterThanOrEqual(10)
    expect(await auditMetric(metrics, 'unknown_redis')).toBe(s.unknownRedis)
  })
})
