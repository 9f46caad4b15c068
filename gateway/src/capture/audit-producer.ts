import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { AUDIT_QUEUE_NAME, ConfigError, DEFAULT_REDIS_PREFIX, UniqueClock, parseAuditJob, type AuditJob, type ShadowgateConfig } from '@shadowgate/shared'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { MirrorPair, PairSink } from '../mirror/mirror-pair.js'
import { AuditCounters, type AuditProducerStats } from './audit-counters.js'
import type { AuditDropReason } from './audit-drop-reason.js'
import { AuditQueueWriter } from './audit-queue-writer.js'
import { AuditSampler } from './audit-sampler.js'
import { buildAuditJobNow, captureRules, type CaptureRules } from './build-audit-job.js'
import { PairBuffer, pairBytes, type BufferedPair } from './pair-buffer.js'
import { PRODUCER_COMMAND_TIMEOUT_MS, createProducerConnection } from './producer-connection.js'
import { QueueDepthGuard } from './queue-depth-guard.js'

/** Default time close() spends flushing before it drops and counts what is left. */
export const AUDIT_CLOSE_TIMEOUT_MS = 2_000
/** One batch job carries at most this many body bytes, so it fits well within the command timeout. */
export const AUDIT_MAX_BATCH_BYTES = 8 * 1_048_576
/** A batch write or depth count that takes longer is abandoned and its batch counted dropped_redis. */
const CALL_TIMEOUT_MS = PRODUCER_COMMAND_TIMEOUT_MS + 500

export interface AuditProducerDeps {
  readonly metrics: GatewayMetrics
  readonly instanceId: string
  readonly logger: Logger
  /** An ioredis client to enqueue through; never closed here. Default: a fail-fast client of its own on `redis.url`. */
  readonly connection?: Redis
  /** How long close() may spend flushing; default AUDIT_CLOSE_TIMEOUT_MS. */
  readonly closeTimeoutMs?: number
}

/** The batch being written: its size shrinks as pairs turn out invalid; `abandoned` once close() gave up on it. */
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
 * in a bounded buffer, are written in micro-batches (one queue job per batch) by one background flusher over a fail-fast
 * Redis connection, and whatever cannot be written (buffer full, queue too deep, Redis down or
 * slow, shutting down) is dropped and counted by reason instead of retried without end.
 */
export class AuditProducer implements PairSink {
  readonly maxBodyBytes: number
  readonly #cfg: ShadowgateConfig['audit']
  readonly #rules: CaptureRules
  readonly #sampler: AuditSampler
  readonly #buffer: PairBuffer
  readonly #guard: QueueDepthGuard
  readonly #counters: AuditCounters
  readonly #clock: UniqueClock
  readonly #instance: string
  readonly #log: Logger
  readonly #closeTimeoutMs: number
  readonly #connection: Redis | undefined
  readonly #ownsConnection: boolean
  readonly #writer: AuditQueueWriter | undefined
  readonly #listeners: Array<[string, (...args: unknown[]) => void]> = []
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
    this.#rules = captureRules(config.audit)
    this.#sampler = new AuditSampler(config.routes)
    this.#buffer = new PairBuffer(config.audit.bufferSize, config.audit.maxBufferBytes)
    this.#guard = new QueueDepthGuard(config.audit.maxQueueDepth)
    this.#counters = new AuditCounters(deps.metrics)
    this.#clock = new UniqueClock(deps.instanceId)
    this.#instance = deps.instanceId
    this.#log = deps.logger
    this.#closeTimeoutMs = deps.closeTimeoutMs ?? AUDIT_CLOSE_TIMEOUT_MS
    this.#ownsConnection = deps.connection === undefined
    if (!config.audit.enabled) return
    if (!deps.connection && !config.redis) throw new ConfigError('redis', 'is required while audit.enabled is true (the audit queue lives in Redis)')
    this.#connection = deps.connection ?? createProducerConnection(config.redis?.url ?? '')
    this.#writer = new AuditQueueWriter(this.#connection, {
      queueName: AUDIT_QUEUE_NAME,
      prefix: config.redis?.prefix ?? DEFAULT_REDIS_PREFIX,
      keepFailedJobs: config.worker.keepFailedJobs,
      timeoutMs: CALL_TIMEOUT_MS,
      onError: (err) => this.#log.debug({ err: errText(err) }, 'audit queue error'),
    })
  }

  /** Connects (in the background: nothing waits for Redis) and starts the depth checks. Idempotent. */
  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    const conn = this.#connection
    if (!conn) return
    this.#listen(conn, 'ready', () => this.#onReady())
    this.#listen(conn, 'close', () => this.#onDown())
    this.#listen(conn, 'error', (err) => this.#log.debug({ err: errText(err) }, 'audit Redis connection error'))
    if (this.#ownsConnection) conn.connect().catch(() => undefined) // ioredis keeps reconnecting with backoff
    this.#depthTimer = setInterval(() => void this.#checkDepth(), this.#cfg.depthCheckMs).unref()
    if (conn.status === 'ready') void this.#checkDepth()
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

  #listen(conn: Redis, event: string, fn: (...args: unknown[]) => void): void {
    conn.on(event, fn)
    this.#listeners.push([event, fn])
  }

  #onReady(): void {
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
    const items = this.#buffer.take(this.#cfg.batchSize, AUDIT_MAX_BATCH_BYTES)
    if (items.length === 0) return Promise.resolve()
    let settle = (): void => undefined
    const batch: Batch = { size: items.length, abandoned: false, done: new Promise<void>((r) => (settle = r)) }
    this.#batch = batch
    void (async () => {
      try {
        const writer = this.#writer
        if (!writer?.connected) throw new Error('Redis is not connected')
        const jobs = await this.#buildAll(items, batch)
        if (jobs.length === 0 || batch.abandoned) return
        this.#counters.batches++
        await writer.addBatch(jobs)
        if (batch.abandoned) return
        this.#counters.countEnqueued(jobs.length)
        this.#guard.enqueued(jobs.length, 1)
        if (this.#failingSince !== undefined) {
          this.#log.info({ droppedRedis: this.#counters.dropped.redis }, 'audit enqueueing works again')
          this.#failingSince = undefined
        }
      } catch (err) {
        if (batch.abandoned) return
        this.#counters.countDropped('redis', batch.size)
        if (this.#failingSince === undefined) {
          this.#failingSince = Date.now()
          this.#log.warn({ err: errText(err), pairs: batch.size }, 'audit batch not enqueued: dropped (dropped_redis); later failures are not logged until it works again')
        }
      } finally {
        batch.size = 0
        if (this.#batch === batch) this.#batch = undefined
        settle()
        this.#schedule(this.#buffer.length >= this.#cfg.batchSize)
      }
    })()
    return batch.done
  }

  /**
   * Builds and checks the batch's jobs, in buffer order. Jobs without a body to compress are built
   * synchronously; only the others wait for the thread pool.
   */
  async #buildAll(items: readonly BufferedPair[], batch: Batch): Promise<AuditJob[]> {
    const slots: Array<AuditJob | undefined> = new Array<AuditJob | undefined>(items.length)
    let waits: Array<Promise<void>> | undefined
    for (let i = 0; i < items.length; i++) {
      const { pair, capturedAtNs } = items[i] as BufferedPair
      let built: AuditJob | Promise<AuditJob>
      try {
        built = buildAuditJobNow(pair, this.#rules, this.#instance, capturedAtNs)
      } catch (err) {
        this.#invalid(pair, err, batch)
        continue
      }
      if (built instanceof Promise) {
        const slot = i
        ;(waits ??= []).push(built.then((job) => void (slots[slot] = this.#check(pair, job, batch)), (err: unknown) => this.#invalid(pair, err, batch)))
      } else slots[i] = this.#check(pair, built, batch)
    }
    if (waits !== undefined) await Promise.all(waits)
    return slots.filter((j): j is AuditJob => j !== undefined)
  }

  /** A pair that cannot become a valid job is counted `invalid`, never sent. */
  #check(pair: MirrorPair, job: AuditJob, batch: Batch): AuditJob | undefined {
    try {
      return parseAuditJob(job)
    } catch (err) {
      this.#invalid(pair, err, batch)
      return undefined
    }
  }

  #invalid(pair: MirrorPair, err: unknown, batch: Batch): void {
    if (batch.abandoned) return
    batch.size--
    this.#counters.countDropped('invalid')
    this.#log.error({ err: errText(err), id: pair.request.id, route: pair.request.route }, 'audit pair could not be turned into a valid job (dropped_invalid)')
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
    const deadline = Date.now() + this.#closeTimeoutMs
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0) break
      if (this.#batch) await sleepRace(this.#batch.done, left)
      else if (this.#buffer.length > 0 && this.#writer?.connected) void this.#flush()
      else break
    }
    const reason: AuditDropReason = this.#writer?.connected ? 'shutdown' : 'redis'
    if (this.#batch) {
      this.#batch.abandoned = true
      this.#counters.countDropped(reason, this.#batch.size)
      this.#batch.size = 0
      this.#batch = undefined
    }
    this.#counters.countDropped(reason, this.#buffer.drain().length)
    await this.#writer?.close()
    const conn = this.#connection
    if (conn) {
      for (const [event, fn] of this.#listeners) conn.off(event, fn)
      if (this.#ownsConnection) {
        // Errors of a connection being torn down are of no interest, but must not go unhandled.
        conn.on('error', () => undefined)
        conn.disconnect()
      }
    }
  }
}
