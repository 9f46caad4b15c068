import { HttpError, InfluxDB, type Point, type Transport, type WriteApi } from '@influxdata/influxdb-client'
import type { InfluxConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'
import { InfluxV1Transport } from './influx-v1-transport.js'

/** What became of the lines handed to the writer, for metrics and logs. */
export interface InfluxWriterStats {
  /** Lines InfluxDB acknowledged. */
  readonly writtenLines: number
  /** Lines given up on: retries exhausted, rejected by the server, pushed out of the bounded retry buffer, or left at close. */
  readonly droppedLines: number
  /** Write requests that failed (each may be retried). */
  readonly failedWrites: number
  /** Lines accepted but neither acknowledged nor dropped yet (buffered, in flight or waiting for a retry). */
  readonly pendingLines: number
}

/**
 * What became of a confirmed write: acknowledged; `failed` (InfluxDB unreachable, slow or 5xx/429:
 * the lines are not stored and not kept here either, the caller owns them and tries again later);
 * or `rejected` (a 4xx other than 429: sending them again cannot help; counted dropped).
 */
export type ConfirmedWrite = 'written' | 'failed' | 'rejected'

export interface InfluxWriterOptions {
  readonly logger?: Logger
  /** HTTP timeout of one write request; default 10 s (the client's default). */
  readonly timeoutMs?: number
  /** Replaces the HTTP transport (v1 mapping is still applied on top for v1 configs). */
  readonly transport?: Transport
  /** First retry delay; default the client's 5 s. Tests shorten it. */
  readonly minRetryDelayMs?: number
  /** Longest retry delay; default the client's 125 s. */
  readonly maxRetryDelayMs?: number
  /** How long close() keeps trying to deliver what is still buffered; default 5 s. */
  readonly closeTimeoutMs?: number
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5_000
const DROP_LOG_INTERVAL_MS = 10_000

/**
 * The one way shadowgate writes to InfluxDB (2.x/3.x natively, 1.x through InfluxV1Transport):
 * the client's WriteApi does the batching, retries with backoff and the bounded retry buffer
 * (`maxBufferLines`) of fire-and-forget writes; this class adds exact accounting of what was
 * written and what was dropped, and a confirmed write that resolves once InfluxDB acknowledged the
 * lines, or hands them back on failure without keeping them: an audit job completes only after its
 * points are stored, and a job whose write failed stays in the queue for a later attempt (a copy
 * kept in an in-memory retry buffer as well would die with the process).
 *
 * It never throws at its callers: InfluxDB being down costs buffered memory up to the bound,
 * then dropped lines, counted and logged.
 */
export class InfluxWriter {
  readonly #api: WriteApi
  /** Confirmed writes only: never retries, never buffers; each flush is exactly one caller batch. */
  readonly #confirmedApi: WriteApi
  readonly #maxRetries: number
  readonly #batchSize: number
  readonly #logger: Logger | undefined
  readonly #closeTimeoutMs: number
  #written = 0
  #dropped = 0
  #failedWrites = 0
  #accepted = 0
  #closing = false
  #closed: Promise<void> | undefined
  #confirmQueue: { lines: string[]; done: (r: ConfirmedWrite) => void }[] = []
  #confirmScheduled = false
  #droppedSinceLog = 0
  #lastWhy = ''
  #lastDropLog = 0

  constructor(config: InfluxConfig, options: InfluxWriterOptions = {}) {
    this.#logger = options.logger
    this.#maxRetries = config.maxRetries
    this.#batchSize = config.batchSize
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
    const timeout = options.timeoutMs ?? 10_000
    let transport = options.transport
    let org = ''
    let bucket: string
    let token: string | undefined
    if (config.version === 1) {
      const inner = transport ?? new InfluxDB({ url: config.url, timeout }).transport
      transport = new InfluxV1Transport(inner, { username: config.username, password: config.password })
      // The trailing slash keeps a database name that contains "/" intact (the last slash separates the retention policy).
      bucket = `${config.database}/${config.retentionPolicy ?? ''}`
    } else {
      org = config.org
      bucket = config.bucket
      token = config.token
    }
    const client = new InfluxDB({ url: config.url, timeout, ...(token !== undefined ? { token } : {}), ...(transport ? { transport } : {}) })
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the client calls these hooks with its own `this`
    const self = this
    this.#api = client.getWriteApi(org, bucket, 'ns', {
      batchSize: config.batchSize,
      flushInterval: config.flushMs,
      maxBufferLines: config.maxBufferLines,
      maxRetries: config.maxRetries,
      ...(options.minRetryDelayMs !== undefined ? { minRetryDelay: options.minRetryDelayMs } : {}),
      ...(options.maxRetryDelayMs !== undefined ? { maxRetryDelay: options.maxRetryDelayMs } : {}),
      writeSuccess(lines: string[]) {
        self.#written += lines.length
      },
      writeFailed(error: Error, lines: string[], attempt: number, expires: number) {
        self.#onWriteFailed(error, lines, attempt, expires)
      },
      writeRetrySkipped(entry: { lines: string[] }) {
        self.#drop(entry.lines.length, 'the retry buffer is full (influx.maxBufferLines)')
      },
    })
    this.#confirmedApi = client.getWriteApi(org, bucket, 'ns', {
      // One above what #sendConfirmed puts in a request, so the client never cuts (and sends) one on its own.
      batchSize: config.batchSize + 1,
      flushInterval: 0,
      maxRetries: 0,
      writeSuccess(lines: string[]) {
        self.#written += lines.length
      },
      // A returned promise replaces the client's own handling: nothing enters its retry buffer.
      writeFailed(error: Error) {
        self.#failedWrites++
        return Promise.reject(error)
      },
    })
  }

  stats(): InfluxWriterStats {
    return {
      writtenLines: this.#written,
      droppedLines: this.#dropped,
      failedWrites: this.#failedWrites,
      pendingLines: Math.max(0, this.#accepted - this.#written - this.#dropped),
    }
  }

  /** Queues points for the next batch (flushInterval or batchSize, whichever comes first). */
  write(points: readonly Point[]): void {
    const lines = this.#lines(points)
    if (lines.length === 0) return
    if (this.#closing) {
      this.#drop(lines.length, 'the writer is closed')
      return
    }
    this.#accepted += lines.length
    this.#api.writeRecords(lines)
  }

  /**
   * Writes points in one attempt and resolves once InfluxDB acknowledged them ('written'), or with
   * 'failed' (the lines are handed back: not stored, not buffered, not counted dropped) or
   * 'rejected' (counted dropped). Never rejects. Points of callers in the same event-loop turn
   * share one request.
   */
  writeConfirmed(points: readonly Point[]): Promise<ConfirmedWrite> {
    const lines = this.#lines(points)
    if (lines.length === 0) return Promise.resolve('written')
    if (this.#closing) return Promise.resolve('failed')
    this.#accepted += lines.length
    return new Promise((done) => {
      this.#confirmQueue.push({ lines, done })
      if (!this.#confirmScheduled) {
        this.#confirmScheduled = true
        setImmediate(() => this.#sendConfirmed())
      }
    })
  }

  /** Sends what is buffered now (not the retry buffer). */
  async flush(): Promise<void> {
    this.#sendConfirmed()
    await this.#api.flush(false).catch(() => undefined)
  }

  /**
   * Delivers what is buffered and waiting for a retry, for at most closeTimeoutMs, then counts
   * whatever is left as dropped. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close()
    return this.#closed
  }

  async #close(): Promise<void> {
    this.#sendConfirmed()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#closeTimeoutMs)
    })
    await Promise.race([this.#api.flush(true).catch(() => undefined), deadline])
    clearTimeout(timer)
    this.#closing = true
    this.#confirmedApi.dispose()
    // dispose() cancels timers and returns what is still buffered or waiting for a retry.
    const left = this.#api.dispose()
    if (left > 0) this.#drop(left, 'still buffered when the writer closed')
    this.#logDrops(true)
  }

  #lines(points: readonly Point[]): string[] {
    const out: string[] = []
    for (const p of points) {
      const line = p.toLineProtocol(this.#api)
      if (line) out.push(line)
    }
    return out
  }

  #sendConfirmed(): void {
    this.#confirmScheduled = false
    const queue = this.#confirmQueue
    if (queue.length === 0) return
    this.#confirmQueue = []
    let batch: string[] = []
    let owners: ((r: ConfirmedWrite) => void)[] = []
    const send = (): void => {
      const lines = batch
      const done = owners
      batch = []
      owners = []
      // A single caller's lines may exceed batchSize: they go in several requests, all of which must succeed.
      const requests: Array<Promise<void>> = []
      for (let i = 0; i < lines.length; i += this.#batchSize) {
        this.#confirmedApi.writeRecords(lines.slice(i, i + this.#batchSize))
        requests.push(this.#confirmedApi.flush(false))
      }
      void Promise.allSettled(requests).then((settled) => {
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
        const result = failed === undefined ? 'written' : this.#confirmedFailure(failed.reason, lines.length - this.#ackedOf(settled, lines.length))
        done.forEach((d) => d(result))
      })
    }
    for (const entry of queue) {
      if (batch.length > 0 && batch.length + entry.lines.length > this.#batchSize) send()
      batch.push(...entry.lines)
      owners.push(entry.done)
    }
    if (batch.length > 0) send()
  }

  /** Lines of the requests of one send() that InfluxDB did acknowledge (already counted written). */
  #ackedOf(settled: readonly PromiseSettledResult<void>[], total: number): number {
    let acked = 0
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') acked += Math.min(this.#batchSize, total - i * this.#batchSize)
    })
    return acked
  }

  #confirmedFailure(err: unknown, lines: number): ConfirmedWrite {
    if (err instanceof HttpError && err.statusCode < 429 && err.statusCode >= 400) {
      this.#drop(lines, `rejected by InfluxDB (${err.message})`)
      return 'rejected'
    }
    // Handed back to the caller: no longer this writer's to deliver or to count.
    this.#accepted -= lines
    this.#logger?.debug({ err: err instanceof Error ? err.message : String(err), lines }, 'InfluxDB write failed; the lines go back to their job')
    return 'failed'
  }

  #onWriteFailed(error: Error, lines: string[], attempt: number, expires: number): void {
    this.#failedWrites++
    // The client retries when it is not closed, has attempts left, the deadline has not passed and
    // the error is not a 4xx other than 429; mirror that rule to know when lines are given up.
    // The client reports an expired retry deadline (influx maxRetryTime) with this exact message, before sending.
    const expired = error.message === 'Max retry time exceeded.' && expires <= Date.now()
    const retriesLeft = this.#maxRetries + 1 - attempt
    const retriable = !(error instanceof HttpError) || error.statusCode >= 429
    const willRetry = !this.#closing && !expired && retriesLeft > 0 && retriable
    if (willRetry) {
      this.#logger?.warn({ err: error.message, lines: lines.length, attempt }, 'InfluxDB write failed; will retry')
      return
    }
    const why = !retriable ? `rejected by InfluxDB (${error.message})` : expired ? 'retry time exceeded' : 'retries exhausted'
    this.#drop(lines.length, why)
  }

  #drop(n: number, why: string): void {
    this.#dropped += n
    this.#droppedSinceLog += n
    this.#lastWhy = why
    this.#logDrops(false)
  }

  // Drops are logged at most every 10 s with a running total, so an outage cannot flood the log.
  #logDrops(force: boolean): void {
    if (this.#droppedSinceLog === 0) return
    const now = Date.now()
    if (!force && now - this.#lastDropLog < DROP_LOG_INTERVAL_MS) return
    this.#lastDropLog = now
    this.#logger?.error({ dropped: this.#droppedSinceLog, droppedTotal: this.#dropped, reason: this.#lastWhy }, 'InfluxDB lines dropped')
    this.#droppedSinceLog = 0
  }
}
