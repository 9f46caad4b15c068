import { pino, type Logger } from 'pino'
import { reconnectDelay, MIGRATION_LOG_LENGTH, RUNTIME_COMPARE_AND_SET_LUA, gateLastKey, migrationLogKey, runtimeChangeMessage, runtimeChannel, runtimeSettingsKey, type RedisConfig } from '@shadowgate/shared'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { RuntimeStoreUnavailableError } from '../errors.js'
import type { FaultCounters } from '../metrics/fault-counters.js'
import { guardHandler, reportHandlerError, type HandlerGuard } from './guard-handler.js'
import type { RuntimeStore, RuntimeStoreSink } from './runtime-store.js'

export interface RedisRuntimeStoreOptions {
  /** Where the settings live: `redis` config (one server, Sentinel or Cluster), or one server's URL. */
  readonly redis: RedisConfig | string
  readonly prefix: string
  readonly logger?: Logger
  /** Safety-net re-read of the whole hash, for announcements missed on the pub/sub connection. */
  readonly pollMs?: number
  /** Longest wait for the first read at start; past it the instance starts from its file config. */
  readonly startWaitMs?: number
  /** Bound on each Redis command, so an admin change never hangs on a stalled Redis. */
  readonly commandTimeoutMs?: number
  /** Where rejected announcements and failed handlers are counted. */
  readonly faults?: FaultCounters
}

export const DEFAULT_RUNTIME_POLL_MS = 5_000
const DEFAULT_START_WAIT_MS = 2_000
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000

/** Entries the change log keeps. */
export { MIGRATION_LOG_LENGTH }

/** An announcement on the runtime channel: the route's new stored value (null: removed). */
interface ChangeMessage {
  readonly route: string
  readonly value: string | null
}

function parseMessage(text: string): ChangeMessage | undefined {
  try {
    const m = JSON.parse(text) as unknown
    if (!m || typeof m !== 'object') return undefined
    const { route, value } = m as Record<string, unknown>
    if (typeof route !== 'string' || (value !== null && typeof value !== 'string')) return undefined
    return { route, value }
  } catch {
    return undefined
  }
}


/**
 * Runtime settings shared through Redis: a hash holds every override, a pub/sub channel announces each
 * write, a poll re-reads the hash as a safety net and every reconnect re-reads it. Redis being down
 * never blocks start-up or requests: commands fail fast (no offline queue), the instance keeps the
 * values it has, and ioredis reconnects in the background.
 */
export class RedisRuntimeStore implements RuntimeStore {
  readonly kind = 'redis'
  readonly #key: string
  readonly #channel: string
  readonly #logKey: string
  readonly #opts: RedisRuntimeStoreOptions
  readonly #logger: Logger
  readonly #guard: HandlerGuard
  #client: RedisClient | undefined
  #sub: RedisClient | undefined
  #sink: RuntimeStoreSink | undefined
  #poll: NodeJS.Timeout | undefined
  #syncing: Promise<void> | undefined
  #syncAgain = false
  /** Routes announced while a full read is in flight: the announcement is newer than the read. */
  #dirty: Set<string> | undefined
  #down = false
  #closed = false

  constructor(opts: RedisRuntimeStoreOptions) {
    this.#opts = opts
    this.#key = runtimeSettingsKey(opts.prefix)
    this.#channel = runtimeChannel(opts.prefix)
    this.#logKey = migrationLogKey(opts.prefix)
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    this.#guard = { logger: this.#logger, faults: opts.faults }
  }

  connected(): boolean {
    return this.#client?.status === 'ready'
  }

  async start(sink: RuntimeStoreSink): Promise<void> {
    if (this.#client || this.#closed) return
    this.#sink = sink
    const common = { retryStrategy: (n: number) => reconnectDelay(n), connectTimeout: this.#opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS }
    const target: RedisConfig = typeof this.#opts.redis === 'string' ? { mode: 'single', url: this.#opts.redis, prefix: this.#opts.prefix } : this.#opts.redis
    const client = createRedisClient(target, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.#opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    })
    // The subscriber queues its SUBSCRIBE until connected and re-subscribes after every reconnect. In
    // cluster mode classic pub/sub reaches every node, so ioredis subscribes on any one and moves the
    // subscription when that node fails; the poll and the re-read on every ready cover the gap.
    const sub = createRedisClient(target, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true })
    this.#client = client
    this.#sub = sub
    // Every handler is guarded: one bad message on the channel reaches every instance at once, and a
    // throw in an ioredis listener would end each of them.
    const guard = <A extends unknown[]>(name: string, fn: (...args: A) => unknown): ((...args: A) => void) => guardHandler(this.#guard, name, fn)
    const firstOutcome = new Promise<void>((resolve) => {
      client.once('ready', guard('redis-ready', () => this.#resync().finally(resolve)))
      client.once('error', () => resolve())
      setTimeout(resolve, this.#opts.startWaitMs ?? DEFAULT_START_WAIT_MS).unref()
    })
    client.on('ready', guard('redis-ready', () => {
      if (this.#down) this.#logger.info({ store: 'redis' }, 'runtime store reconnected; re-reading runtime settings')
      this.#down = false
      return this.#resync()
    }))
    client.on('error', guard('redis-error', (err: Error) => this.#markDown(err)))
    client.on('close', guard('redis-close', () => this.#markDown()))
    sub.on('error', () => {
      // Reported through the command connection; both reconnect on their own.
    })
    sub.on('ready', guard('redis-ready', () => this.#resync()))
    sub.on('message', guard('redis-message', (channel: string, text: string) => {
      if (channel !== this.#channel) return
      const msg = parseMessage(text)
      if (!msg) {
        this.#guard.faults?.rejectedValue('fleet')
        this.#logger.warn({ message: text.slice(0, 200) }, 'ignoring an invalid runtime announcement; re-reading the runtime settings')
        return this.#resync()
      }
      this.#dirty?.add(msg.route)
      this.#sink?.applyStored(msg.route, msg.value, 'fleet')
      return undefined
    }))
    // The message only: an ioredis error carries its command's arguments, and a failed AUTH's argument is the password.
    sub.subscribe(this.#channel).catch((err: unknown) => this.#logger.debug({ err: (err as Error).message }, 'runtime channel subscription failed; retried on reconnect'))
    this.#poll = setInterval(guard('runtime-poll', () => this.#resync()), this.#opts.pollMs ?? DEFAULT_RUNTIME_POLL_MS)
    this.#poll.unref()
    await firstOutcome
  }

  async get(route: string): Promise<string | null> {
    const client = this.#ready()
    try {
      return await client.hget(this.#key, route)
    } catch (err) {
      throw this.#unavailable(err)
    }
  }

  async compareAndSet(route: string, expected: string | null, next: string | null, logEntry?: string): Promise<boolean> {
    const client = this.#ready()
    const message = runtimeChangeMessage(route, next)
    try {
      const done = await client.eval(RUNTIME_COMPARE_AND_SET_LUA, 3, this.#key, this.#channel, this.#logKey, route, expected ?? '', next ?? '', message, logEntry ?? '', MIGRATION_LOG_LENGTH)
      return done === 1
    } catch (err) {
      throw this.#unavailable(err)
    }
  }

  async recentLog(limit: number): Promise<string[]> {
    const client = this.#ready()
    try {
      return await client.lrange(this.#logKey, 0, Math.max(0, Math.min(limit, MIGRATION_LOG_LENGTH) - 1))
    } catch (err) {
      throw this.#unavailable(err)
    }
  }

  async gateDecision(route: string): Promise<string | null> {
    const client = this.#ready()
    try {
      return await client.get(gateLastKey(this.#opts.prefix, route))
    } catch (err) {
      throw this.#unavailable(err)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#poll)
    this.#sink = undefined
    // disconnect() rather than quit(): quit waits for a reply a dead Redis never sends.
    this.#client?.disconnect()
    this.#sub?.disconnect()
    await this.#syncing?.catch(() => undefined)
  }

  #ready(): RedisClient {
    const client = this.#client
    if (!client || this.#closed || client.status !== 'ready') {
      throw new RuntimeStoreUnavailableError('the runtime store (Redis) is unavailable; nothing was changed (the change would not reach the other instances)')
    }
    return client
  }

  #unavailable(err: unknown): RuntimeStoreUnavailableError {
    return new RuntimeStoreUnavailableError(`the runtime store (Redis) did not answer: ${(err as Error).message}; nothing was changed`, { cause: err })
  }

  #markDown(err?: Error): void {
    if (this.#closed || this.#down) return
    this.#down = true
    this.#logger.warn(
      { store: 'redis', err: err?.message },
      'runtime store (Redis) unavailable: serving from the config file and the last known runtime settings; reconnecting',
    )
  }

  /** Re-reads the whole hash; concurrent calls coalesce into one read plus at most one more. */
  #resync(): Promise<void> {
    if (this.#syncing) {
      this.#syncAgain = true
      return this.#syncing
    }
    this.#syncing = (async () => {
      do {
        this.#syncAgain = false
        const client = this.#client
        if (this.#closed || !client || client.status !== 'ready') return
        const dirty = new Set<string>()
        this.#dirty = dirty
        let values: Record<string, string> | undefined
        try {
          values = await client.hgetall(this.#key)
        } catch (err) {
          this.#logger.debug({ err: (err as Error).message }, 'could not re-read the runtime settings; retrying later')
        }
        try {
          if (values) this.#sink?.applySnapshot(new Map(Object.entries(values)), dirty, 'fleet')
        } catch (err) {
          reportHandlerError(this.#guard, 'runtime-snapshot', err)
        } finally {
          this.#dirty = undefined
        }
      } while (this.#syncAgain && !this.#closed)
    })().finally(() => {
      this.#syncing = undefined
    })
    return this.#syncing
  }
}
