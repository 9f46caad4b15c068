import { AUDIT_BATCH_BYTES_TTL_MS, AUDIT_BATCH_JOB_NAME, AUDIT_QUEUE_NAME, DEFAULT_AUDIT_BATCH_SIZE, SAME_AS_PRIMARY, auditBatchKey, checkAuditJob, packAuditBatch, type AuditJob, type CapturedResponse } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'

/** The route of the backlog's jobs; the worker's config names it. */
export const BACKLOG_ROUTE = 'orders'
/** One pair in ten differs (one changed price), so mismatch groups are written too. */
const MISMATCH_EVERY = 10

function order(seed: number, mismatch: boolean): string {
  const items = Array.from({ length: 8 }, (_, i) => ({ id: i, sku: `SKU-${seed % 997}-${i}`, price: mismatch && i === 3 ? 10.5 : 9.99, qty: i % 5 }))
  return JSON.stringify({ order: seed, currency: 'EUR', items })
}

function response(text: string): CapturedResponse {
  const data = Buffer.from(text)
  return { kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body: { encoding: 'raw', data, size: data.length, truncated: false }, latencyMs: 3 }
}

/**
 * A captured pair as the gateway enqueues it: ~0.7 KB of JSON per side, a shadow body identical to
 * the primary's sent as a reference (SAME_AS_PRIMARY), checked with the job schema.
 */
export function backlogJob(i: number, baseMs: number): AuditJob {
  const primary = response(order(i, false))
  const mismatch = i % MISMATCH_EVERY === 0
  const job: unknown = {
    v: 1,
    id: `soak-${baseMs}-${i}`,
    instance: 'soak-bench',
    capturedAtNs: `${baseMs + i}000001`,
    route: BACKLOG_ROUTE,
    request: { method: 'GET', path: `/orders/${i}`, query: '', headers: { accept: 'application/json' }, bodySize: 0, bodySha256: '', caller: '127.0.0.1' },
    primary,
    shadow: mismatch ? response(order(i, true)) : { ...primary, body: { ...primary.body, encoding: SAME_AS_PRIMARY, data: '' } },
  }
  checkAuditJob(job)
  return job
}

/** The audit queue under one prefix, as the bench fills and watches it; counted in pairs. */
export class Backlog {
  readonly #queue: Queue
  readonly #baseMs: number
  readonly #prefix: string
  /** Writes each batch's bytes, as the gateway does before adding its job. */
  readonly #redis: Redis
  #added = 0

  /** `baseMs`: capture time of the first pair (ms); pair i is captured at baseMs + i, so each has its own point. */
  constructor(redisUrl: string, prefix: string, baseMs: number) {
    this.#queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redisUrl }, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1_000 } } })
    this.#baseMs = baseMs
    this.#prefix = prefix
    this.#redis = new Redis(redisUrl)
  }

  /** Pairs put on the queue so far. */
  get added(): number {
    return this.#added
  }

  /**
   * Puts `n` more pairs on the queue as the gateway's producer writes them: one job per batch of
   * audit.batchSize pairs (default 100), job id `b-<first pair id>`.
   */
  async add(n: number): Promise<void> {
    for (let done = 0; done < n; ) {
      const jobs = []
      const bytes = this.#redis.pipeline()
      for (let j = 0; j < 20 && done < n; j++) {
        const size = Math.min(DEFAULT_AUDIT_BATCH_SIZE, n - done)
        const pairs = Array.from({ length: size }, (_, k) => backlogJob(this.#added + k, this.#baseMs))
        const jobId = `b-${pairs[0]?.id ?? ''}`
        const batch = packAuditBatch(pairs)
        bytes.set(auditBatchKey(this.#prefix, jobId), batch.bytes, 'PX', AUDIT_BATCH_BYTES_TTL_MS)
        jobs.push({ name: AUDIT_BATCH_JOB_NAME, data: batch.envelope, opts: { jobId } })
        this.#added += size
        done += size
      }
      await bytes.exec()
      await this.#queue.addBulk(jobs)
    }
  }

  /** Pairs still waiting or being judged (a batch being worked on counts whole). */
  async left(): Promise<number> {
    const c = await this.#queue.getJobCounts('wait', 'active', 'prioritized', 'delayed')
    return ((c['wait'] ?? 0) + (c['active'] ?? 0) + (c['prioritized'] ?? 0) + (c['delayed'] ?? 0)) * DEFAULT_AUDIT_BATCH_SIZE
  }

  async close(): Promise<void> {
    await this.#queue.close()
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}
