import { Queue } from 'bullmq'
import { AUDIT_BATCH_BYTES_TTL_MS, AUDIT_BATCH_JOB_NAME, AUDIT_MAX_BATCH_PAIRS, auditBatchKey, type AuditBatch } from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'
import { AuditEnqueueError, AuditEnqueueUnknownError } from '../errors.js'

/** BullMQ job name of every audit job the producer writes: one batch envelope of pairs. */
export const AUDIT_JOB_NAME = AUDIT_BATCH_JOB_NAME
/** Cap of the queue's events stream: nothing of ours reads it, so it only has to stay small. */
export const AUDIT_EVENTS_MAX_LEN = 1_000
/**
 * How long Redis keeps the receipt of an added batch (BullMQ's deduplication key, `<prefix>:<queue>:de:<job id>`),
 * counted from when Redis ran the add. A batch job is removed once completed, so the receipt is what
 * still tells, after a write whose answer never came, that Redis did run it.
 */
export const AUDIT_ADD_RECEIPT_TTL_MS = 120_000

/** The job id of a batch: its first pair's id with a `b-` prefix, never colliding with a single-pair job of an older producer. */
export function batchJobId(firstPairId: string): string {
  return `b-${firstPairId}`
}

/** A batch ready to be written: its job id, the job's envelope and the pairs' bytes. */
export interface EncodedAuditBatch {
  readonly jobId: string
  readonly envelope: AuditBatch
  readonly bytes: Buffer
}

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

/** Redis answered the write with an error: it did not run it (as opposed to no answer at all). */
function isRefusal(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError'
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
   * Writes a batch as ONE job: its bytes (one binary document, see AuditBatch) under
   * auditBatchKey with one SET, then a small JSON job that refers to them by its id. Per-job costs are
   * paid once per batch, and the pairs never go through JSON: bodies travel as raw bytes. Rejects with
   * AuditEnqueueError when the job was not sent or Redis refused it, and with AuditEnqueueUnknownError
   * when it was sent and no answer came in time: Redis may still run it (a paused or slow Redis runs
   * what it read when it resumes), which addedJobs() tells later. Only the job makes the pairs count:
   * bytes written for a job that never came to be expire unread. The job id is also the
   * job's deduplication id, so a write sent again (by the producer after a broken connection, or by
   * ioredis after a cluster redirect or failover) adds nothing while the receipt lasts, and writes
   * the same bytes again.
   */
  async addBatch(batch: EncodedAuditBatch): Promise<void> {
    const { jobId, envelope, bytes } = batch
    // Workers refuse a longer batch: sending one would lose every pair of it.
    if (envelope.count > AUDIT_MAX_BATCH_PAIRS) throw new AuditEnqueueError(`a batch of ${envelope.count} audit pairs is over the ${AUDIT_MAX_BATCH_PAIRS}-pair limit of a batch job`)
    const queue = this.#ready()
    const what = `a batch of ${envelope.count} audit pairs`
    // The bytes and the job go out back to back on the one connection the Queue writes through, so
    // Redis runs the SET first; not waiting for its answer keeps a batch that a paused or frozen Redis
    // runs later whole (both land, in order). The job decides what the pairs count as: a job whose
    // bytes Redis refused is still enqueued, and the worker counts its pairs as skipped/batch_missing.
    const set = this.#connection.set(auditBatchKey(this.#opts.prefix, jobId), bytes, 'PX', AUDIT_BATCH_BYTES_TTL_MS)
    set.catch((err: unknown) => this.#opts.onError(new Error(`Redis did not store the bytes of ${what} (job ${jobId}): ${err instanceof Error ? err.message : String(err)}`)))
    await this.#settle(queue.add(AUDIT_JOB_NAME, envelope, { jobId, deduplication: { id: jobId, ttl: AUDIT_ADD_RECEIPT_TTL_MS } }), jobId, `adding ${what}`)
  }

  /** Awaits one write within the deadline, telling a refusal from a write whose outcome is unknown. */
  async #settle(write: Promise<unknown>, jobId: string, what: string): Promise<void> {
    try {
      await withDeadline(write, this.#opts.timeoutMs, what)
    } catch (err) {
      write.catch(() => undefined)
      if (isRefusal(err)) throw new AuditEnqueueError(`Redis refused ${what}: ${(err as Error).message}`, { cause: err })
      throw new AuditEnqueueUnknownError(jobId, `no answer from Redis to ${what} (${err instanceof Error ? err.message : String(err)})`, { cause: err })
    }
  }

  /**
   * For each job id, whether Redis ran its add: the job or its receipt exists. Call only for adds
   * sent at least one round trip earlier on this connection (Redis answers a connection's commands
   * in order, so a check answered after the add was read sees it). Bounded by `timeoutMs`.
   */
  async addedJobs(jobIds: readonly string[]): Promise<boolean[]> {
    const queue = this.#ready()
    // The connection the Queue writes through (BullMQ uses a passed client as it is), so the check queues behind the add.
    const pipeline = this.#connection.pipeline()
    for (const id of jobIds) pipeline.exists(queue.toKey(id), queue.toKey(`de:${id}`))
    const replies = await withDeadline(pipeline.exec(), this.#opts.timeoutMs, `checking ${jobIds.length} audit batch jobs`)
    if (replies === null) throw new AuditEnqueueError('the check of audit batch jobs was discarded')
    return replies.map(([err, n]) => {
      if (err) throw new AuditEnqueueError(`checking an audit batch job failed: ${err.message}`, { cause: err })
      return Number(n) > 0
    })
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
