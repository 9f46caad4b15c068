import type { Logger } from 'pino'
import { AUDIT_MAX_BATCH_PAIRS, ConfigError, DEFAULT_REDIS_PREFIX, UniqueClock, type ShadowgateConfig } from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { MirrorPair, PairSink } from '../mirror/mirror-pair.js'
import { AuditCounters, type AuditProducerStats } from './audit-counters.js'
import type { AuditDropReason } from './audit-drop-reason.js'
import { AuditSampler } from './audit-sampler.js'
import { PairBatchWriter, type BatchOutcome, type PairBatchWriterEvents, type PairBatchWriterOptions } from './pair-batch-writer.js'
import { PairBuffer, pairBytes } from './pair-buffer.js'
import { PRODUCER_COMMAND_TIMEOUT_MS, createProducerConnection } from './producer-connection.js'
import { QueueDepthGuard } from './queue-depth-guard.js'
import { UnknownEnqueues, type UnknownBatch } from './unknown-enqueues.js'

/** Default time close() spends flushing before it drops and counts what is left. */
export const AUDIT_CLOSE_TIMEOUT_MS = 2_000
/** One batch job carries at most this many body bytes, so it fits well within the command timeout. */
export const AUDIT_MAX_BATCH_BYTES = 8 * 1_048_576
/** A batch write or depth count that takes longer is abandoned; a write's batch is then reconciled. */
const CALL_TIMEOUT_MS = PRODUCER_COMMAND_TIMEOUT_MS + 500
/** How often batches whose write got no answer are checked against Redis. */
const RECONCILE_INTERVAL_MS = 500
/**
 * No check within this long of a (re)connection: a write sent on the connection before it broke may
 * still sit unread in a resuming Redis, and a check on the new connection could overtake it.
 */
const RECONCILE_SETTLE_MS = 1_000
/** Batch ids checked in one round trip. */
const RECONCILE_CHUNK = 500
/** Batches waiting to be reconciled at most; past it the oldest is counted unknown_redis for good. */
const MAX_UNKNOWN_BATCHES = 10_000
/**
 * Default time a batch whose connection broke under its write is written again under the same job id
 * (its deduplication id too, so this is exact): long enough to ride out a Redis Cluster or Sentinel
 * failover; a write still without an answer then is reconciled like any other.
 */
export const AUDIT_RETRY_UNKNOWN_MS = 10_000

export interface AuditProducerDeps {
  readonly metrics: GatewayMetrics
  readonly instanceId: string
  readonly logger: Logger
  /** An ioredis client to enqueue through; never closed here. Default: a fail-fast client of its own on `redis`. */
  readonly connection?: RedisClient
  /** How long close() may spend flushing; default AUDIT_CLOSE_TIMEOUT_MS. */
  readonly closeTimeoutMs?: number
  /** How long a batch whose write had an unknown outcome is written again; default AUDIT_RETRY_UNKNOWN_MS. */
  readonly retryUnknownMs?: number
}

/** The batch being written; `abandoned` once close() gave up on it (its pairs are then already counted). */
interface Batch {
  size: number
  abandoned: boolean
  readonly done: Promise<void>
}

function sleepRace(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([work, wait]).finally(() => clearTimeout(timer))
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Turns completed mirror pairs into AuditJobs and enqueues them on the audit queue, without ever
 * making a client request wait or fail: accepts() and push() are synchronous and O(1), pairs wait
 * in a bounded buffer, and one background flusher hands them in micro-batches to a PairBatchWriter
 * that builds one queue job per batch and writes it over a fail-fast Redis connection. Whatever
 * cannot be written (buffer full, queue too deep, Redis down, shutting down) is dropped and counted
 * by reason instead of retried without end; this class keeps those accounts. A write Redis did not
 * answer in time may still have been run (a slow or paused Redis runs it later), so its pairs are
 * counted `unknown` instead, and moved to enqueued or dropped_redis once Redis tells whether the
 * batch's job exists.
 */
export class AuditProducer implements PairSink {
  readonly maxBodyBytes: number
  readonly #cfg: ShadowgateConfig['audit']
  readonly #sampler: AuditSampler
  readonly #buffer: PairBuffer
  readonly #guard: QueueDepthGuard
  readonly #counters: AuditCounters
  readonly #clock: UniqueClock
  readonly #log: Logger
  readonly #closeTimeoutMs: number
  readonly #writer: PairBatchWriter | undefined
  readonly #unknown = new UnknownEnqueues(MAX_UNKNOWN_BATCHES)
  #reconcileTimer: NodeJS.Timeout | undefined
  #reconciling: Promise<void> | undefined
  #readyAt = 0
  #started = false
  #closed = false
  #closing: Promise<void> | undefined
  #batch: Batch | undefined
  #timer: NodeJS.Timeout | undefined
  #immediate: NodeJS.Immediate | undefined
  #depthTimer: NodeJS.Timeout | undefined
  #depthChecking = false
  #redisDown = false
  #failingSince: number | undefined
  #bufferFull = false
  #queueFull = false

  constructor(config: ShadowgateConfig, deps: AuditProducerDeps) {
    this.#cfg = config.audit
    this.maxBodyBytes = config.audit.maxBodyBytes
    this.#sampler = new AuditSampler(config.routes)
    this.#buffer = new PairBuffer(config.audit.bufferSize, config.audit.maxBufferBytes)
    this.#guard = new QueueDepthGuard(config.audit.maxQueueDepth)
    this.#counters = new AuditCounters(deps.metrics)
    this.#clock = new UniqueClock(deps.instanceId)
    this.#log = deps.logger
    this.#closeTimeoutMs = deps.closeTimeoutMs ?? AUDIT_CLOSE_TIMEOUT_MS
    if (!config.audit.enabled) return
    const redis = config.redis
    if (!deps.connection && !redis) throw new ConfigError('redis', 'is required while audit.enabled is true (the audit queue lives in Redis)')
    const options: PairBatchWriterOptions = {
      audit: config.audit,
      routes: config.routes,
      instance: deps.instanceId,
      prefix: redis?.prefix ?? DEFAULT_REDIS_PREFIX,
      keepFailedJobs: config.worker.keepFailedJobs,
      timeoutMs: CALL_TIMEOUT_MS,
      retryUnknownMs: deps.retryUnknownMs ?? AUDIT_RETRY_UNKNOWN_MS,
    }
    const events: PairBatchWriterEvents = {
      onStatus: (connected) => (connected ? this.#onReady() : this.#onDown()),
      onLog: (level, fields, msg) => this.#log[level](fields, msg),
    }
    const connection = deps.connection ?? (redis ? createProducerConnection(redis) : undefined)
    if (!connection) return
    this.#writer = new PairBatchWriter(connection, deps.connection === undefined, options, events)
  }

  /** Connects (in the background: nothing waits for Redis) and starts the depth checks. Idempotent. */
  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    const writer = this.#writer
    if (!writer) return
    this.#depthTimer = setInterval(() => void this.#checkDepth(), this.#cfg.depthCheckMs).unref()
    this.#reconcileTimer = setInterval(() => void this.#reconcile(), RECONCILE_INTERVAL_MS).unref()
    writer.start()
  }

  /** Called once per mirrored request before forwarding: whether its bodies should be captured for the audit. */
  accepts(route: string, requestId: string): boolean {
    this.#counters.offered++
    if (this.#closed) return this.#drop('shutdown')
    if (!this.#writer || !this.#sampler.sampled(route, requestId)) {
      this.#counters.countNotSampled()
      return false
    }
    if (this.#guard.full(this.#pending())) return this.#drop('queue_full')
    return true
  }

  /** The copy of an accepted request was not sent: no pair will come, so it was never offered for the audit. */
  withdraw(_route: string, _requestId: string): void {
    this.#counters.offered--
  }

  /** The mirror gave up the pair of a copy it sent (capture budget): counted dropped, never pushed. */
  drop(_route: string, _requestId: string, reason: 'capture_budget'): void {
    this.#counters.countDropped(reason)
  }

  /** Takes a completed pair. Synchronous, never throws, never waits: the pair is buffered or counted dropped. */
  push(pair: MirrorPair): void {
    this.#counters.pushed++
    try {
      if (this.#closed) return void this.#drop('shutdown')
      if (!this.#writer) return this.#counters.countNotSampled()
      if (this.#guard.full(this.#pending())) return void this.#drop('queue_full')
      if (!this.#buffer.offer({ pair, capturedAtNs: this.#clock.next(), bytes: pairBytes(pair) })) return void this.#drop('buffer_full')
      this.#bufferFull = false
      this.#schedule(this.#buffer.length >= this.#cfg.batchSize)
    } catch (err) {
      this.#log.error({ err: errText(err) }, 'audit producer could not take a pair')
      this.#counters.countDropped('invalid')
    }
  }

  stats(): AuditProducerStats {
    const c = this.#counters
    return {
      offered: c.offered,
      notSampled: c.notSampled,
      pushed: c.pushed,
      enqueued: c.enqueued,
      dropped: { ...c.dropped },
      buffered: this.#buffer.length,
      bufferedBytes: this.#buffer.bytes,
      inFlight: this.#batch?.size ?? 0,
      batches: c.batches,
      unknown: c.unknown,
      unknownRedis: c.unknownRedis,
      reconciled: { ...c.reconciled },
      queueDepth: this.#guard.lastDepth,
      redisConnected: this.#writer?.connected ?? false,
    }
  }

  /** Flushes what it can within the close deadline, drops and counts the rest, releases Redis. Idempotent, bounded. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  #pending(): number {
    return this.#buffer.length + (this.#batch?.size ?? 0)
  }

  #drop(reason: AuditDropReason): false {
    this.#counters.countDropped(reason)
    if (reason === 'buffer_full' && !this.#bufferFull) {
      this.#bufferFull = true
      this.#log.warn({ buffered: this.#buffer.length, bytes: this.#buffer.bytes }, 'audit buffer full: dropping pairs (dropped_buffer_full)')
    } else if (reason === 'queue_full' && !this.#queueFull) {
      this.#queueFull = true
      this.#log.warn({ depth: this.#guard.lastDepth, max: this.#cfg.maxQueueDepth }, 'audit queue at its maximum depth: dropping pairs (dropped_queue_full)')
    }
    return false
  }

  #onReady(): void {
    this.#readyAt = Date.now()
    if (this.#redisDown) this.#log.info('audit queue Redis is reachable again')
    this.#redisDown = false
    void this.#checkDepth()
  }

  #onDown(): void {
    if (this.#redisDown || this.#closed) return
    this.#redisDown = true
    this.#log.warn('audit queue Redis is not reachable: pairs are dropped (dropped_redis) until it is back')
  }

  #schedule(now: boolean): void {
    if (this.#closed || this.#batch) return
    if (now) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined
        void this.#flush()
      })
    } else if (this.#buffer.length > 0) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined
        void this.#flush()
      }, this.#cfg.flushMs).unref()
    }
  }

  #cancelScheduled(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#immediate) clearImmediate(this.#immediate)
    this.#immediate = undefined
  }

  /** Writes one batch. Only one runs at a time; when it ends it schedules the next. Never rejects. */
  #flush(): Promise<void> {
    if (this.#batch) return this.#batch.done
    this.#cancelScheduled()
    const items = this.#buffer.take(Math.min(this.#cfg.batchSize, AUDIT_MAX_BATCH_PAIRS), AUDIT_MAX_BATCH_BYTES)
    if (items.length === 0) return Promise.resolve()
    let settle = (): void => undefined
    const batch: Batch = { size: items.length, abandoned: false, done: new Promise<void>((r) => (settle = r)) }
    this.#batch = batch
    const writer = this.#writer
    const written: Promise<BatchOutcome> = writer?.connected
      ? writer.write(items)
      : Promise.resolve({ enqueued: 0, invalid: [], attempted: false, failure: { reason: 'redis', message: 'Redis is not connected' } })
    void written
      .then(
        (outcome) => this.#account(batch, outcome),
        (err: unknown) => this.#account(batch, { enqueued: 0, invalid: [], attempted: false, failure: { reason: 'redis', message: errText(err) } }),
      )
      .finally(() => {
        batch.size = 0
        if (this.#batch === batch) this.#batch = undefined
        settle()
        this.#schedule(this.#buffer.length >= this.#cfg.batchSize)
      })
    return batch.done
  }

  /** Counts every pair of a written batch exactly once: enqueued, invalid, or dropped for the failure's reason. */
  #account(batch: Batch, outcome: BatchOutcome): void {
    if (batch.abandoned) return
    if (outcome.attempted) this.#counters.batches++
    for (const bad of outcome.invalid) {
      this.#counters.countDropped('invalid')
      this.#log.error({ err: bad.error, id: bad.id, route: bad.route }, 'audit pair could not be turned into a valid job (dropped_invalid)')
    }
    this.#counters.countEnqueued(outcome.enqueued)
    if (outcome.enqueued > 0) this.#guard.enqueued(outcome.enqueued, 1)
    const rest = batch.size - outcome.enqueued - outcome.invalid.length
    const failure = outcome.failure
    if (failure === undefined) {
      if (rest > 0) this.#counters.countDropped('invalid', rest) // a writer that lost track of pairs: a defect, still counted
      if (outcome.enqueued > 0 && this.#failingSince !== undefined) {
        this.#log.info({ droppedRedis: this.#counters.dropped.redis }, 'audit enqueueing works again')
        this.#failingSince = undefined
      }
      return
    }
    if (failure.reason === 'unknown') {
      this.#counters.moveUnknown(rest)
      const evicted = this.#unknown.add({ jobId: failure.jobId, pairs: rest, since: Date.now() })
      if (evicted) this.#counters.countUnknownForGood(evicted.pairs)
    } else this.#counters.countDropped(failure.reason, rest)
    if (this.#failingSince === undefined) {
      this.#failingSince = Date.now()
      const what = failure.reason === 'unknown' ? 'no answer from Redis: outcome unknown until Redis answers (then enqueued or dropped_redis)' : 'dropped (dropped_redis)'
      this.#log.warn({ err: failure.message, pairs: rest }, `audit batch not enqueued: ${what}; later failures are not logged until it works again`)
    }
  }

  /** Asks Redis whether the writes it did not answer ran, oldest first; one pass at a time. Never rejects. */
  #reconcile(): Promise<void> {
    const writer = this.#writer
    if (this.#reconciling || this.#unknown.size === 0 || !writer?.connected || Date.now() - this.#readyAt < RECONCILE_SETTLE_MS) return this.#reconciling ?? Promise.resolve()
    const batches = this.#unknown.oldest(RECONCILE_CHUNK)
    this.#reconciling = writer
      .addedJobs(batches.map((b) => b.jobId))
      .then(
        (added) => this.#settle(batches, added),
        (err: unknown) => this.#log.debug({ err: errText(err) }, 'audit batch reconciliation failed; tried again later'),
      )
      .finally(() => (this.#reconciling = undefined))
    return this.#reconciling
  }

  #settle(batches: readonly UnknownBatch[], added: readonly boolean[]): void {
    const done = new Set<UnknownBatch>()
    let enqueued = 0
    let jobs = 0
    let dropped = 0
    batches.forEach((b, i) => {
      const ran = added[i]
      if (ran === undefined) return
      done.add(b)
      if (ran) {
        enqueued += b.pairs
        jobs++
      } else dropped += b.pairs
    })
    this.#unknown.settle(done)
    this.#counters.countReconciled(true, enqueued)
    this.#counters.countReconciled(false, dropped)
    if (enqueued > 0) this.#guard.enqueued(enqueued, jobs)
    if (done.size > 0) this.#log.info({ enqueued, droppedRedis: dropped, stillUnknown: this.#unknown.pairs }, 'audit batches without an answer reconciled')
  }

  async #checkDepth(): Promise<void> {
    const writer = this.#writer
    if (this.#depthChecking || this.#closed || !writer?.connected) return
    this.#depthChecking = true
    const before = this.#counters.enqueued
    try {
      const depth = await writer.depth()
      this.#guard.observed(depth, this.#counters.enqueued - before)
      if (this.#queueFull && !this.#guard.full(this.#pending())) {
        this.#queueFull = false
        this.#log.info({ depth }, 'audit queue below its maximum depth again')
      }
    } catch (err) {
      this.#log.debug({ err: errText(err) }, 'audit queue depth check failed')
    } finally {
      this.#depthChecking = false
    }
  }

  async #shutdown(): Promise<void> {
    this.#closed = true
    this.#cancelScheduled()
    clearInterval(this.#depthTimer)
    clearInterval(this.#reconcileTimer)
    const deadline = Date.now() + this.#closeTimeoutMs
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0) break
      if (this.#batch) await sleepRace(this.#batch.done, left)
      else if (this.#buffer.length > 0 && this.#writer?.connected) void this.#flush()
      else if (this.#unknown.size > 0 && this.#writer?.connected && Date.now() - this.#readyAt >= RECONCILE_SETTLE_MS) {
        const before = this.#unknown.size
        await sleepRace(this.#reconcile(), left)
        if (this.#unknown.size === before) break
      } else break
    }
    this.#counters.countUnknownForGood(this.#unknown.drain().reduce((n, b) => n + b.pairs, 0))
    const reason: AuditDropReason = this.#writer?.connected ? 'shutdown' : 'redis'
    if (this.#batch) {
      this.#batch.abandoned = true
      this.#counters.countDropped(reason, this.#batch.size)
      this.#batch.size = 0
      this.#batch = undefined
    }
    this.#counters.countDropped(reason, this.#buffer.drain().length)
    await this.#writer?.close()
  }
}
