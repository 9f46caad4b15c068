import { gunzipSync } from 'node:zlib'
import { Queue, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { pino } from 'pino'
import { AUDIT_QUEUE_NAME, auditBatchKey, parseAuditBatch, validateConfig, type AuditJob, type EncodedBody, type ShadowgateConfig } from '@shadowgate/shared'
import { AuditProducer, type AuditProducerDeps } from '../../../gateway/src/capture/audit-producer.js'
import { GatewayMetrics } from '../../../gateway/src/metrics/gateway-metrics.js'
import type { MirrorPair, ObservedOutcome } from '../../../gateway/src/mirror/mirror-pair.js'

let seq = 0

/** A distinct queue prefix per test, so tests sharing a redis-server never see each other's jobs. */
export function uniquePrefix(): string {
  return `sgtest${process.pid}x${++seq}`
}

export function testConfig(redisUrl: string, prefix: string, audit: Record<string, unknown> = {}, routes?: unknown[]): ShadowgateConfig {
  return validateConfig({
    primary: 'http://127.0.0.1:9',
    shadow: 'http://127.0.0.1:10',
    redis: { url: redisUrl, prefix },
    routes: routes ?? [{ name: 'products', match: '/products/:id', mirror: { percent: 100 } }],
    audit,
  })
}

export function response(body: string | Buffer, extra: Partial<Extract<ObservedOutcome, { kind: 'response' }>> = {}): ObservedOutcome {
  return {
    kind: 'response',
    status: 200,
    headers: ['Content-Type', 'application/json'],
    body: typeof body === 'string' ? Buffer.from(body) : body,
    truncated: false,
    latencyMs: 12.5,
    ...extra,
  }
}

export function makePair(id: string, opts: { route?: string; url?: string; primary?: ObservedOutcome; shadow?: ObservedOutcome; headers?: Record<string, string | string[]>; body?: Buffer; clientIp?: string } = {}): MirrorPair {
  return {
    request: {
      id,
      route: opts.route ?? 'products',
      method: 'GET',
      url: opts.url ?? `/products/${id}?page=2`,
      headers: opts.headers ?? { accept: 'application/json', 'user-agent': 'test' },
      body: opts.body ?? Buffer.alloc(0),
      clientIp: opts.clientIp ?? '127.0.0.1',
      receivedAt: Date.now(),
    },
    primary: opts.primary ?? response(`{"id":"${id}","price":1}`),
    shadow: opts.shadow ?? response(`{"id":"${id}","price":1}`),
  }
}

/** What the mirror does: ask first, push only what was accepted. Returns whether it was accepted. */
export function offer(producer: AuditProducer, pair: MirrorPair): boolean {
  if (!producer.accepts(pair.request.route, pair.request.id)) return false
  producer.push(pair)
  return true
}

export function silentLogger(): AuditProducerDeps['logger'] {
  return pino({ level: 'silent' })
}

export function newProducer(config: ShadowgateConfig, extra: Partial<AuditProducerDeps> = {}): { producer: AuditProducer; metrics: GatewayMetrics } {
  const metrics = new GatewayMetrics()
  const producer = new AuditProducer(config, { metrics, instanceId: 'gw-test-1', logger: silentLogger(), ...extra })
  return { producer, metrics }
}

/** A plain BullMQ Queue (default, patient connection) to read back what the producer wrote; it leaves the queue's settings alone. */
export function readerQueue(redisUrl: string, prefix: string): Queue {
  return new Queue(AUDIT_QUEUE_NAME, { connection: { url: redisUrl }, prefix, skipMetasUpdate: true })
}

/** The ioredis connection a Queue built from connection options made (BullMQ types it by its own narrower interface). */
export async function queueClient(queue: Queue): Promise<Redis> {
  return (await queue.client) as unknown as Redis
}

/** The checked pairs of one batch job, its bytes read from Redis beside it. */
export async function batchPairs(queue: Queue, job: Pick<Job, 'id' | 'data'>): Promise<AuditJob[]> {
  const client = await queueClient(queue)
  const bytes = job.id === undefined ? null : await client.getBuffer(auditBatchKey(queue.opts.prefix ?? 'bull', job.id))
  return [...parseAuditBatch(job.data, bytes)]
}

/** Every pair waiting on the queue, in job order: each job is a batch envelope of pairs. */
export async function queuedPairs(queue: Queue): Promise<AuditJob[]> {
  const jobs = await queue.getJobs(['waiting'], 0, -1)
  const pairs: AuditJob[] = []
  for (const job of jobs) pairs.push(...(await batchPairs(queue, job)))
  return pairs
}

/** A body's bytes, whatever its transport form (a same-as-primary reference is resolved by parsing first). */
export function bodyBytes(body: EncodedBody): Buffer {
  switch (body.encoding) {
    case 'raw':
      return Buffer.from(body.data)
    case 'gzip':
      return gunzipSync(body.data)
    case 'utf8':
      return Buffer.from(body.data, 'utf8')
    case 'base64':
      return Buffer.from(body.data, 'base64')
    case 'gzip+base64':
      return gunzipSync(Buffer.from(body.data, 'base64'))
    default:
      throw new Error(`unresolved body encoding ${body.encoding}`)
  }
}

/** Header lines (`[name, value, ...]`) as a record: lower-cased names, a repeated one's values in an array. */
export function headerLinesRecord(lines: readonly string[]): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const name = (lines[i] as string).toLowerCase()
    const value = lines[i + 1] as string
    const prev = out[name]
    out[name] = prev === undefined ? value : [...(typeof prev === 'string' ? [prev] : prev), value]
  }
  return out
}

/** Sum of every drop reason. */
export function totalDropped(stats: { dropped: Record<string, number> }): number {
  return Object.values(stats.dropped).reduce((a, b) => a + b, 0)
}

/** offered = notSampled + enqueued + dropped + buffered + inFlight, the producer's accounting invariant. */
export function accounted(stats: ReturnType<AuditProducer['stats']>): number {
  return stats.notSampled + stats.enqueued + totalDropped(stats) + stats.unknownRedis + stats.buffered + stats.inFlight + stats.unknown
}

/** The value of shadowgate_audit_pairs_total for one result label. */
export async function auditMetric(metrics: GatewayMetrics, result: string): Promise<number> {
  const m = await metrics.registry.getSingleMetric('shadowgate_audit_pairs_total')?.get()
  return m?.values.find((v) => v.labels['result'] === result)?.value ?? 0
}
