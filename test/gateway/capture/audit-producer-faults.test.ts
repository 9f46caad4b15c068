import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
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

  it('writes a batch Redis answers late (CLIENT PAUSE) again under its job id and counts it once', async () => {
    const prefix = uniquePrefix()
    const { producer } = producerOn(prefix, { batchSize: 1000, flushInterval: '1ms' })
    await connected(producer)
    const admin = new Redis(server().url)
    open.push({ close: async () => admin.disconnect() })
    // Longer than one write's deadline, shorter than the retry window: the first write times out,
    // lands when the pause ends, and the rewrite of the same batch adds nothing.
    await admin.call('CLIENT', 'PAUSE', '2500', 'ALL')
    for (let i = 0; i < 10; i++) offer(producer, makePair(`late-${i}`))
    await waitFor(() => producer.stats().enqueued === 10, 15_000, 'the late batch to be enqueued')
    expect(accounted(producer.stats())).toBe(10)
    expect(producer.stats().dropped.redis).toBe(0)
    const reader = readerQueue(server().url, prefix)
    open.push(reader)
    expect((await queuedPairs(reader)).map((p) => p.id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `late-${i}`).sort())
  })

  it('drops a batch Redis does not answer within the retry window (CLIENT PAUSE), and close() stays bounded', async () => {
    const prefix = uniquePrefix()
    const made = newProducer(testConfig(server().url, prefix, { batchSize: 1000, flushInterval: '1ms' }), { closeTimeoutMs: 500, retryUnknownMs: 300 })
    const producer = made.producer
    open.push(producer)
    producer.start()
    await connected(producer)
    const admin = new Redis(server().url)
    open.push({ close: async () => admin.disconnect() })
    // Every client's commands now hang for 4 s: a slow Redis, not a dead one.
    await admin.call('CLIENT', 'PAUSE', '4000', 'ALL')
    for (let i = 0; i < 10; i++) offer(producer, makePair(`slow-${i}`))
    await waitFor(() => producer.stats().dropped.redis === 10, 10_000, 'the unanswered batch dropped_redis')
    expect(producer.stats().enqueued).toBe(0)
    for (let i = 0; i < 10; i++) offer(producer, makePair(`slow2-${i}`))
    await producer.close()
    const s = producer.stats()
    expect(s.offered).toBe(20)
    expect(accounted(s)).toBe(20)
    expect(s.buffered + s.inFlight).toBe(0)
  })
})
