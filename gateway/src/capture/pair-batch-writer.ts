import { Cluster } from 'ioredis'
import { AUDIT_QUEUE_NAME, AuditBatchWriter, auditBatchEnvelope, type AuditProducerConfig, type RouteConfig } from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'
import type { MirrorPair } from '../mirror/mirror-pair.js'
import { AuditEnqueueError, AuditEnqueueUnknownError } from '../errors.js'
import { AuditQueueWriter, batchJobId, type EncodedAuditBatch } from './audit-queue-writer.js'
import { captureRules, compressBodies, needsCompression, pairRoom, writePair, type CaptureRules, type PackedBodies } from './pair-encoder.js'
import type { BufferedPair } from './pair-buffer.js'

/** A pair of a batch that could not be turned into a valid job (a defect: counted `dropped_invalid`). */
export interface InvalidPair {
  readonly id: string
  readonly route: string
  readonly error: string
}

/**
 * Why a batch was not enqueued: `redis` (not sent, or refused: its pairs are dropped) or `unknown`
 * (sent, no answer: Redis may still run it; `jobId` tells later whether it did).
 */
export type BatchFailure = { readonly reason: 'redis'; readonly message: string } | { readonly reason: 'unknown'; readonly message: string; readonly jobId: string }

/** What became of one batch: every pair of it is enqueued, invalid, or - when `failure` is set - not enqueued for its reason. */
export interface BatchOutcome {
  readonly enqueued: number
  readonly invalid: readonly InvalidPair[]
  /** Whether a queue job was attempted (false when no pair was valid or Redis was not connected). */
  readonly attempted: boolean
  readonly failure?: BatchFailure
}

export type WriterLogLevel = 'debug' | 'info' | 'warn' | 'error'

/** What the writer tells the producer: Redis came or went, and what is worth a log line. */
export interface PairBatchWriterEvents {
  onStatus(connected: boolean): void
  onLog(level: WriterLogLevel, fields: Readonly<Record<string, unknown>>, msg: string): void
}

/** Where and how batches go: everything the writer needs to build jobs and reach the queue. */
export interface PairBatchWriterOptions {
  readonly audit: AuditProducerConfig
  /** The routes whose audit rules' fingerprints the jobs carry. */
  readonly routes?: readonly RouteConfig[]
  /** Gateway instance id, part of every job id and capture time. */
  readonly instance: string
  readonly prefix: string
  readonly keepFailedJobs: number
  /** Longest a batch write or a depth count may take. */
  readonly timeoutMs: number
  /**
   * How long a batch whose connection broke under its write (a failover) is written again under the
   * same job id before its outcome is left to reconciliation.
   */
  readonly retryUnknownMs: number
}

/** Pause between writes of a batch whose connection broke under it; the connection is awaited as well. */
const RETRY_PAUSE_MS = 100
/**
 * Longest wait for a connection before such a batch is left to reconciliation: a failover reconnects
 * within it, while a Redis that is down stays an outage, not a batch held in the writer.
 */
export const RETRY_RECONNECT_GRACE_MS = 2_000

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/** No answer in time on a live connection (our deadline or ioredis' command timeout), as opposed to a connection that broke. */
function isTimeout(err: unknown): boolean {
  return err instanceof AuditEnqueueError || (err instanceof Error && /timed out/i.test(err.message))
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Builds, validates and writes the producer's batches over one Redis connection: one queue job per
 * batch. The producer keeps the accounts; the writer only reports, per batch, what became of each pair.
 */
export class PairBatchWriter {
  readonly #connection: RedisClient
  readonly #ownsConnection: boolean
  readonly #rules: CaptureRules
  readonly #instance: string
  readonly #queue: AuditQueueWriter
  readonly #events: PairBatchWriterEvents
  readonly #retryUnknownMs: number
  readonly #listeners: Array<[string, (...args: unknown[]) => void]> = []
  #started = false
  #closing: Promise<void> | undefined

  /** `ownsConnection`: connect it on start() and disconnect it on close(); otherwise both are the caller's. */
  constructor(connection: RedisClient, ownsConnection: boolean, options: PairBatchWriterOptions, events: PairBatchWriterEvents) {
    this.#connection = connection
    this.#ownsConnection = ownsConnection
    this.#rules = captureRules(options.audit, options.routes)
    this.#instance = options.instance
    this.#events = events
    this.#retryUnknownMs = options.retryUnknownMs
    this.#queue = new AuditQueueWriter(connection, {
      queueName: AUDIT_QUEUE_NAME,
      prefix: options.prefix,
      keepFailedJobs: options.keepFailedJobs,
      timeoutMs: options.timeoutMs,
      onError: (err) => events.onLog('debug', { err: errText(err) }, 'audit queue error'),
    })
  }

  get connected(): boolean {
    return this.#queue.connected
  }

  start(): void {
    if (this.#started || this.#closing) return
    this.#started = true
    const conn = this.#connection
    this.#listen('ready', () => this.#events.onStatus(true))
    this.#listen('close', () => this.#events.onStatus(false))
    this.#listen('error', (err) => this.#events.onLog('debug', { err: errText(err) }, 'audit Redis connection error'))
    if (this.#ownsConnection) conn.connect().catch(() => undefined) // ioredis keeps reconnecting with backoff
    if (conn.status === 'ready') this.#events.onStatus(true)
  }

  async write(items: readonly BufferedPair[]): Promise<BatchOutcome> {
    const invalid: InvalidPair[] = []
    if (!this.connected) return { enqueued: 0, invalid, attempted: false, failure: { reason: 'redis', message: 'Redis is not connected' } }
    const batch = await this.#encode(items, invalid)
    if (batch === undefined) return { enqueued: 0, invalid, attempted: false }
    const giveUpAt = Date.now() + this.#retryUnknownMs
    for (;;) {
      try {
        await this.#queue.addBatch(batch)
        return { enqueued: batch.envelope.count, invalid, attempted: true }
      } catch (err) {
        if (!(err instanceof AuditEnqueueUnknownError)) return { enqueued: 0, invalid, attempted: true, failure: { reason: 'redis', message: errText(err) } }
        // The connection broke under the write (a failover, a cluster redirect to a node going away):
        // the batch is written again under its job id, which is also its deduplication id, so a first
        // write that did land (or that ioredis sends again itself) adds nothing. A write that got no
        // answer on a live connection (a slow or frozen Redis), or that is still unanswered when the
        // retries end, is reconciled by the producer instead.
        // On a cluster a timed-out write is written again too: during a failover the answer is lost
        // with the old master, and a check of the job id cannot be ordered behind the resent write.
        if ((isTimeout(err.cause) && !(this.#connection instanceof Cluster)) || !(await this.#canRetry(giveUpAt))) {
          return { enqueued: 0, invalid, attempted: true, failure: { reason: 'unknown', message: err.message, jobId: err.jobId } }
        }
      }
    }
  }

  /** Waits for the pause and a connection; false when closing, out of time or without a connection for the grace. */
  async #canRetry(giveUpAt: number): Promise<boolean> {
    const graceEnds = Date.now() + RETRY_RECONNECT_GRACE_MS
    do {
      await sleep(RETRY_PAUSE_MS)
      if (this.#closing) return false
      if (this.connected) return Date.now() < giveUpAt
    } while (Date.now() < Math.min(giveUpAt, graceEnds))
    return false
  }

  depth(): Promise<number> {
    return this.#queue.depth()
  }

  /** Whether Redis ran the adds of these batch jobs (see AuditQueueWriter.addedJobs). */
  addedJobs(jobIds: readonly string[]): Promise<boolean[]> {
    return this.#queue.addedJobs(jobIds)
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.close()
      const conn = this.#connection
      for (const [event, fn] of this.#listeners) conn.off(event, fn)
      if (this.#ownsConnection) {
        // Errors of a connection being torn down are of no interest, but must not go unhandled.
        conn.on('error', () => undefined)
        conn.disconnect()
      }
    })()
    return this.#closing
  }

  #listen(event: string, fn: (...args: unknown[]) => void): void {
    this.#connection.on(event, fn)
    this.#listeners.push([event, fn])
  }

  /**
   * Writes the batch's pairs, in buffer order, straight into its bytes; a pair that cannot be
   * written is left out and reported. Only pairs with a body worth compressing wait for the thread
   * pool first. Undefined when no pair could be written.
   */
  async #encode(items: readonly BufferedPair[], invalid: InvalidPair[]): Promise<EncodedAuditBatch | undefined> {
    const rules = this.#rules
    let packed: Array<PackedBodies | null | undefined> | undefined
    let waits: Array<Promise<void>> | undefined
    let room = 4
    for (let i = 0; i < items.length; i++) {
      const { pair } = items[i] as BufferedPair
      room += pairRoom(pair)
      if (!needsCompression(pair, rules)) continue
      const slots = (packed ??= new Array<PackedBodies | null | undefined>(items.length))
      const slot = i
      const compressed = compressBodies(pair, rules).then(
        (bodies) => void (slots[slot] = bodies),
        (err: unknown) => {
          // null: left out of the batch, reported invalid.
          slots[slot] = null
          invalid.push(invalidPair(pair, err))
        },
      )
      ;(waits ??= []).push(compressed)
    }
    if (waits !== undefined) await Promise.all(waits)
    const w = new AuditBatchWriter(room)
    w.u32(0)
    let count = 0
    let firstId: string | undefined
    const routes = new Map<string, number>()
    for (let i = 0; i < items.length; i++) {
      const { pair, capturedAtNs } = items[i] as BufferedPair
      const bodies = packed?.[i]
      if (bodies === null) continue
      const start = w.off
      try {
        const id = writePair(w, pair, rules, this.#instance, capturedAtNs, bodies)
        firstId ??= id
      } catch (err) {
        w.off = start
        invalid.push(invalidPair(pair, err))
        continue
      }
      count++
      routes.set(pair.request.route, (routes.get(pair.request.route) ?? 0) + 1)
    }
    if (firstId === undefined) return undefined
    w.u32At(0, count)
    return { jobId: batchJobId(firstId), envelope: auditBatchEnvelope(routes), bytes: w.done() }
  }
}

function invalidPair(pair: MirrorPair, err: unknown): InvalidPair {
  return { id: pair.request.id, route: pair.request.route, error: errText(err) }
}
