import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { pino, type Logger } from 'pino'
import { reconnectDelay, isWriteStage, writeStagesChannel, writeStagesKey, type ShadowgateConfig, type WriteStage } from '@shadowgate/shared'
import { InvalidSettingError, RuntimeStoreUnavailableError, UnknownRouteError } from '../errors.js'
import { guardHandler, type HandlerGuard } from '../runtime/guard-handler.js'
import type { FaultCounters } from '../metrics/fault-counters.js'

export interface WriteStageStoreOptions {
  readonly config: ShadowgateConfig
  readonly logger?: Logger
  readonly faults?: FaultCounters
  /** Safety-net re-read of the hash, for announcements missed on the pub/sub connection. */
  readonly pollMs?: number
  readonly commandTimeoutMs?: number
}

const DEFAULT_POLL_MS = 5_000
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000

// Sets the stage and announces it in one atomic step, so announcements arrive in the order of the writes.
const SET_AND_ANNOUNCE = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1
`

/**
 * Each route's write stage (old, record, replay, final): the config file gives the starting stage,
 * at run time it lives in its own Redis hash `<prefix>:writes:stages`, announced on
 * `<prefix>:writes:changes`, re-read every few seconds and on reconnect. Reads are in memory, so the
 * request path never waits for Redis; without Redis the file's stages apply and changes are refused.
 */
export class WriteStageStore {
  readonly #stages = new Map<string, WriteStage>()
  readonly #fileStages = new Map<string, WriteStage>()
  readonly #opts: WriteStageStoreOptions
  readonly #logger: Logger
  readonly #guard: HandlerGuard
  #client: RedisClient | undefined
  #sub: RedisClient | undefined
  #poll: NodeJS.Timeout | undefined
  #closed = false

  constructor(opts: WriteStageStoreOptions) {
    this.#opts = opts
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    this.#guard = { logger: this.#logger, faults: opts.faults }
    for (const r of opts.config.routes) {
      if (r.writes) {
        this.#fileStages.set(r.name, r.writes.stage)
        this.#stages.set(r.name, r.writes.stage)
      }
    }
  }

  /** The route's current stage; undefined for a route without a write log. */
  stage(route: string): WriteStage | undefined {
    return this.#stages.get(route)
  }

  routes(): string[] {
    return [...this.#fileStages.keys()]
  }

  /** Starts following Redis (no-op without it or without write routes); never waits for Redis. */
  start(): void {
    const redis = this.#opts.config.redis
    if (!redis || this.#fileStages.size === 0 || this.#client || this.#closed) return
    const timeout = this.#opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    const common = { connectTimeout: timeout, retryStrategy: (n: number) => reconnectDelay(n) }
    this.#client = createRedisClient(redis, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: timeout })
    this.#sub = createRedisClient(redis, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true })
    const channel = writeStagesChannel(redis.prefix)
    const guard = <A extends unknown[]>(name: string, fn: (...args: A) => unknown): ((...args: A) => void) => guardHandler(this.#guard, name, fn)
    this.#client.on('error', () => {
      // Reconnects by itself; the stages in memory keep applying meanwhile.
    })
    this.#client.on('ready', guard('write-stages-ready', () => this.#resync()))
    this.#sub.on('error', () => undefined)
    this.#sub.on('message', guard('write-stages-message', (ch: string, text: string) => {
      if (ch !== channel) return
      let msg: unknown
      try {
        msg = JSON.parse(text)
      } catch {
        msg = undefined
      }
      const { route, stage } = (msg ?? {}) as Record<string, unknown>
      if (typeof route !== 'string' || !this.#fileStages.has(route) || !isWriteStage(stage)) {
        this.#guard.faults?.rejectedValue('fleet')
        this.#logger.warn({ message: text.slice(0, 200) }, 'ignoring an invalid write-stage announcement')
        return
      }
      this.#apply(route, stage)
    }))
    this.#sub.subscribe(channel).catch(() => undefined)
    this.#poll = setInterval(guard('write-stages-poll', () => this.#resync()), this.#opts.pollMs ?? DEFAULT_POLL_MS)
    this.#poll.unref()
  }

  /** Sets a route's stage for every instance. Throws UnknownRouteError, InvalidSettingError, RuntimeStoreUnavailableError. */
  async setStage(route: string, stage: unknown): Promise<WriteStage> {
    if (!this.#fileStages.has(route)) {
      if (!this.#opts.config.routes.some((r) => r.name === route)) throw new UnknownRouteError(route)
      throw new InvalidSettingError(`route "${route}" has no write log (no writes block in its config)`)
    }
    if (!isWriteStage(stage)) throw new InvalidSettingError(`stage must be one of old, record, replay, final (got ${JSON.stringify(stage)})`)
    const redis = this.#opts.config.redis
    const client = this.#client
    if (!redis || !client || client.status !== 'ready') throw new RuntimeStoreUnavailableError('the write stages live in Redis, which is unavailable or not configured; nothing was changed')
    try {
      await client.eval(SET_AND_ANNOUNCE, 2, writeStagesKey(redis.prefix), writeStagesChannel(redis.prefix), route, stage, JSON.stringify({ route, stage }))
    } catch (err) {
      throw new RuntimeStoreUnavailableError(`Redis did not take the write stage: ${(err as Error).message}; nothing was changed`, { cause: err })
    }
    this.#apply(route, stage)
    return stage
  }

  /** Re-reads every stage from Redis now (a cut-over applies the committed stage before releasing held writes). */
  refresh(): Promise<void> {
    return this.#resync()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#poll)
    this.#client?.disconnect()
    this.#sub?.disconnect()
  }

  #apply(route: string, stage: WriteStage): void {
    const before = this.#stages.get(route)
    if (before === stage) return
    this.#stages.set(route, stage)
    this.#logger.info({ route, from: before, to: stage }, 'write stage changed')
  }

  async #resync(): Promise<void> {
    const redis = this.#opts.config.redis
    const client = this.#client
    if (!redis || !client || client.status !== 'ready' || this.#closed) return
    let values: Record<string, string>
    try {
      values = await client.hgetall(writeStagesKey(redis.prefix))
    } catch {
      return
    }
    for (const [route, stage] of this.#fileStages) {
      const stored = values[route]
      this.#apply(route, isWriteStage(stored) ? stored : stage)
    }
  }
}
