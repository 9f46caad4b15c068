import { reconnectDelay, slowLogKey, type RedisConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import type { SlowRequest, SlowRequestSink } from '../capture/slow-requests.js'

export interface SlowLogStoreOptions {
  readonly redis: RedisConfig
  readonly prefix: string
  readonly instance: string
  /** Entries kept in the list (slowLog.size). */
  readonly size: number
  /** Expiry of the list after its last write (slowLog.ttl). */
  readonly ttlMs: number
  readonly logger: Logger
  /** How often buffered entries are written. Default 1 s. */
  readonly flushMs?: number
}

const DEFAULT_FLUSH_MS = 1_000
const COMMAND_TIMEOUT_MS = 2_000

/**
 * Keeps an instance's latest slow requests in a Redis list (`<prefix>:slow:<instance>`, newest
 * first): entries are buffered (at most `size`, older ones give way) and written once a second as
 * LPUSH + LTRIM + PEXPIRE in one MULTI, so the list stays bounded and disappears `ttl` after the
 * instance's last slow request. Redis being down loses entries (logged), never delays a request.
 */
export class SlowLogStore implements SlowRequestSink {
  readonly #opts: SlowLogStoreOptions
  readonly #key: string
  readonly #client: RedisClient
  readonly #timer: NodeJS.Timeout
  #buffer: string[] = []
  #flushing: Promise<void> | undefined
  #failing = false
  #closed = false

  constructor(opts: SlowLogStoreOptions) {
    this.#opts = opts
    this.#key = slowLogKey(opts.prefix, opts.instance)
    this.#client = createRedisClient(opts.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: COMMAND_TIMEOUT_MS, lazyConnect: false, retryStrategy: (n) => reconnectDelay(n) })
    this.#client.on('error', () => {
      // Reported when a flush fails; ioredis reconnects on its own.
    })
    this.#timer = setInterval(() => void this.flush(), opts.flushMs ?? DEFAULT_FLUSH_MS)
    this.#timer.unref()
  }

  add(entry: SlowRequest): void {
    if (this.#closed) return
    this.#buffer.push(JSON.stringify(entry))
    if (this.#buffer.length > this.#opts.size) this.#buffer.shift()
  }

  /** Writes the buffered entries; resolves when Redis answered (or failed). */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing
    // Not connected (yet, or for now): the entries stay buffered (bounded by size) for the next flush.
    if (this.#buffer.length === 0 || this.#client.status !== 'ready') return Promise.resolve()
    const entries = this.#buffer
    this.#buffer = []
    this.#flushing = this.#client
      .multi()
      .lpush(this.#key, ...entries)
      .ltrim(this.#key, 0, this.#opts.size - 1)
      .pexpire(this.#key, this.#opts.ttlMs)
      .exec()
      .then(() => {
        if (this.#failing) this.#opts.logger.info({ key: this.#key }, 'slow log writes to Redis resumed')
        this.#failing = false
      })
      .catch((err: unknown) => {
        if (!this.#failing) this.#opts.logger.warn({ key: this.#key, lost: entries.length, err: (err as Error).message }, 'slow log entries could not be written to Redis; they are lost (logged lines remain)')
        this.#failing = true
      })
      .finally(() => {
        this.#flushing = undefined
      })
    return this.#flushing
  }

  /** Writes what is buffered, then closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#flushing
    // A connection still coming up gets a bounded wait, so the last entries are not lost to start-up.
    const deadline = Date.now() + COMMAND_TIMEOUT_MS
    while (this.#buffer.length > 0 && this.#client.status !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await this.flush()
    this.#client.disconnect()
  }
}
