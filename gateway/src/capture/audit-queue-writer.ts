import { Queue } from 'bullmq'
import { AUDIT_BATCH_JOB_NAME, AUDIT_BATCH_VERSION, type AuditBatch, type AuditJob } from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'
import { AuditEnqueueError } from '../errors.js'

/** BullMQ job name of every audit job the producer writes: one batch envelope of pairs. */
export const AUDIT_JOB_NAME = AUDIT_BATCH_JOB_NAME
/** Cap of the queue's events stream: nothing of ours reads it, so it only has to stay small. */
export const AUDIT_EVENTS_MAX_LEN = 1_000
/**
 * How long a batch's job id stays claimed after its job was added, processed and removed: a write
 * of the same batch landing within it (a late answer, a retried write) adds nothing. Longer than
 * any retry of a batch whose write had an unknown outcome.
 */
export const AUDIT_DEDUPE_TTL_MS = 60_000

export interface AuditQueueWriterOptions {
  readonly queueName: string
  readonly prefix: string
  /** Failed jobs kept for inspection (`worker.keepFailedJobs`). */
  readonly keepFailedJobs: number
  /** Longest any one call may take, whatever Redis does. */
  readonly timeoutMs: number
  /** Told about Redis errors that carry no pair count (the connection's own, BullMQ's). */
  readonly onError: (err: Error) => void
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AuditEnqueueError(`${what} did not finish within ${ms} ms`)), ms)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

/**
 * The BullMQ Queue the producer writes to, over a fail-fast connection. The Queue is only built
 * once the connection is ready, and rebuilt if its start-up failed: BullMQ keeps a Queue whose
 * first connection attempt failed broken for good, and Redis may be down when the gateway starts.
 * Every call is bounded by `timeoutMs` and rejects with AuditEnqueueError when Redis is not there.
 */
export class AuditQueueWriter {
  readonly #connection: RedisClient
  readonly #opts: AuditQueueWriterOptions
  #queue: Queue | undefined
  #closing: Promise<void> | undefined

  constructor(connection: RedisClient, opts: AuditQueueWriterOptions) {
    this.#connection = connection
    this.#opts = opts
  }

  /** Whether Redis is reachable right now; when not, calls fail at once instead of trying. */
  get connected(): boolean {
    return this.#connection.status === 'ready'
  }

  #ready(): Queue {
    if (this.#closing) throw new AuditEnqueueError('the audit queue is closed')
    if (!this.connected) throw new AuditEnqueueError(`Redis is not connected (${this.#connection.status})`)
    if (this.#queue) return this.#queue
    const queue = new Queue(this.#opts.queueName, {
      connection: this.#connection,
      prefix: this.#opts.prefix,
      streams: { events: { maxLen: AUDIT_EVENTS_MAX_LEN } },
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: this.#opts.keepFailedJobs } },
    })
    queue.on('error', (err: Error) => this.#opts.onError(err))
    queue.waitUntilReady().catch((err: unknown) => {
      if (this.#queue !== queue) return
      this.#queue = undefined
      this.#opts.onError(err instanceof Error ? err : new Error(String(err)))
      queue.close().catch(() => undefined)
    })
    this.#queue = queue
    return queue
  }

  /**
   * Writes `pairs` as ONE job (an AuditBatch): per-job costs (job object, JSON, one Redis script)
   * are paid once per batch instead of once per pair. The job id is the first pair's id with a
   * `b-` prefix, so it never collides with a single-pair job of an older producer. The same id is
   * the job's deduplication id for AUDIT_DEDUPE_TTL_MS, so writing a batch again is harmless even
   * after its first copy was processed: what makes retrying a write whose outcome is unknown exact.
   */
  async addBatch(pairs: readonly AuditJob[]): Promise<void> {
    const queue = this.#ready()
    const first = pairs[0]
    if (first === undefined) return
    const data: AuditBatch = { v: AUDIT_BATCH_VERSION, kind: 'batch', pairs }
    const jobId = `b-${first.id}`
    await withDeadline(queue.add(AUDIT_JOB_NAME, data, { jobId, deduplication: { id: jobId, ttl: AUDIT_DEDUPE_TTL_MS } }), this.#opts.timeoutMs, `adding a batch of ${pairs.length} audit pairs`)
  }

  /** Jobs waiting to be processed (waiting, delayed, prioritized, paused). */
  async depth(): Promise<number> {
    return await withDeadline(this.#ready().count(), this.#opts.timeoutMs, 'counting the audit queue')
  }

  /** Releases the Queue; the connection itself belongs to whoever created it. Idempotent and bounded. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const queue = this.#queue
      this.#queue = undefined
      if (queue) await withDeadline(queue.close(), this.#opts.timeoutMs, 'closing the audit queue').catch(() => undefined)
    })()
    return this.#closing
  }
}
