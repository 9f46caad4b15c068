import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { pino, type Logger } from 'pino'
import { reconnectDelay, isWriteStage, WakeableSleep, writeCountersKey, writeStagesKey, writeStreamKey, type ShadowgateConfig, type WriteStage } from '@shadowgate/shared'
import { PartitionReplayer } from './partition-replayer.js'
import { ReplayStore } from './replay-store.js'
import { ReplayTarget } from './replay-target.js'
import { ReadBackVerifier } from './read-back-verifier.js'
import { judgeLimitsFrom } from '../verdict/judge-limits.js'
import { ReplayTally, type ReplayCounter, type ReplayPointSink, type RouteLag } from './replay-tally.js'

export interface WriteReplayerOptions {
  readonly logger?: Logger
  /** Receives `shadowgate_replay` and `shadowgate_replay_audit` points; default none. */
  readonly points?: ReplayPointSink
  /** Names this replayer in the consumer groups and leases; default `${hostname}-${pid}-<random>`. */
  readonly consumer?: string
  /** Lease of a partition: a replayer that dies leaves it to another after this long. */
  readonly leaseTtlMs?: number
  /** Pause when a partition has nothing to do, and between outcome checks. */
  readonly pollMs?: number
  /** First retry delay of a failing replay (doubled per attempt). */
  readonly backoffMs?: number
  /** Period of the lag report (`shadowgate_replay`). */
  readonly reportMs?: number
  /** Entries read per round. */
  readonly batch?: number
}

export const DEFAULT_REPLAY_LEASE_TTL_MS = 15_000
const DEFAULT_POLL_MS = 200
const DEFAULT_BACKOFF_MS = 500
const DEFAULT_REPORT_MS = 5_000
const DEFAULT_BATCH = 100

/**
 * The replayer: drains every logged route's partition streams into the other side while the
 * route's stage is replay (old → new) or final (new → old, when logged with reverse). Runs beside
 * other replayers: each partition has one owner at a time (a lease in Redis), so per-key order holds.
 */
export class WriteReplayer {
  readonly #config: ShadowgateConfig
  readonly #prefix: string
  readonly #logger: Logger
  readonly #redis: RedisClient
  readonly #target = new ReplayTarget()
  readonly #tally: ReplayTally
  readonly #verifier: ReadBackVerifier | undefined
  readonly #opts: WriteReplayerOptions
  readonly #stages = new Map<string, WriteStage>()
  readonly #sleeper = new WakeableSleep()
  readonly #loops: Promise<void>[] = []
  #report: NodeJS.Timeout | undefined
  #closed = false
  #closing: Promise<void> | undefined

  constructor(config: ShadowgateConfig, opts: WriteReplayerOptions = {}) {
    if (!config.redis) throw new TypeError('the replayer needs redis.url: the write log lives in Redis')
    this.#config = config
    this.#prefix = config.redis.prefix
    this.#opts = opts
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    this.#tally = new ReplayTally(opts.points)
    this.#redis = createRedisClient(config.redis, { maxRetriesPerRequest: 1, commandTimeout: 5_000, retryStrategy: (n: number) => reconnectDelay(n) })
    this.#redis.on('error', () => {
      // Reconnects by itself; each partition loop retries its step.
    })
    for (const r of config.routes) if (r.writes) this.#stages.set(r.name, r.writes.stage)
    this.#verifier = config.routes.some((r) => r.writes?.verifyRead)
      ? new ReadBackVerifier({
          target: this.#target,
          tally: this.#tally,
          limits: judgeLimitsFrom(config.worker),
          logger: this.#logger,
          count: async (route, partition, counter) => {
            await this.#redis.hincrby(writeCountersKey(this.#prefix, route, partition), counter, 1)
          },
        })
      : undefined
  }

  /** Starts every partition loop and the lag report; resolves at once. */
  start(): void {
    const consumer = this.#opts.consumer ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`
    this.#loops.push(this.#followStages())
    for (const route of this.#config.routes) {
      const writes = route.writes
      if (!writes) continue
      for (let p = 0; p < writes.partitions; p++) {
        const replayer = new PartitionReplayer({
          route,
          writes,
          partition: p,
          store: new ReplayStore(this.#redis, this.#prefix, route.name, p, { maxLagMs: writes.maxLagForCutoverMs, stableForMs: writes.lagStableForMs }),
          target: this.#target,
          tally: this.#tally,
          ...(this.#verifier ? { verifier: this.#verifier } : {}),
          consumer,
          logger: this.#logger,
          stage: () => this.#stages.get(route.name),
          leaseTtlMs: this.#opts.leaseTtlMs ?? DEFAULT_REPLAY_LEASE_TTL_MS,
          pollMs: this.#opts.pollMs ?? DEFAULT_POLL_MS,
          backoffMs: this.#opts.backoffMs ?? DEFAULT_BACKOFF_MS,
          batch: this.#opts.batch ?? DEFAULT_BATCH,
          sleep: (ms) => this.#sleeper.sleep(ms),
          closed: () => this.#closed,
        })
        this.#loops.push(replayer.run())
      }
    }
    this.#report = setInterval(() => {
      this.reportLag().catch((err: unknown) => this.#logger.warn({ err: (err as Error).message }, 'could not report the replay lag'))
    }, this.#opts.reportMs ?? DEFAULT_REPORT_MS)
    this.#report.unref()
    this.#logger.info({ consumer, routes: [...this.#stages.keys()] }, 'write replayer started')
  }

  /** Totals since start for a route. */
  stats(route: string): Readonly<Record<ReplayCounter, number>> {
    return this.#tally.stats(route)
  }

  /** Reads each route's lag from Redis and writes the window's `shadowgate_replay` points. */
  async reportLag(now = Date.now()): Promise<ReadonlyMap<string, RouteLag>> {
    const lags = new Map<string, RouteLag>()
    for (const r of this.#config.routes) {
      if (!r.writes) continue
      // One pipeline per partition: on a Redis Cluster a route's partitions live in different slots.
      const perPartition = await Promise.all(
        Array.from({ length: r.writes.partitions }, (_, p) => {
          const key = writeStreamKey(this.#prefix, r.name, p)
          return this.#redis.pipeline().xlen(key).xrange(key, '-', '+', 'COUNT', 1).exec()
        }),
      )
      const results = perPartition.flatMap((res) => res ?? [])
      let entries = 0
      let oldest = Infinity
      for (let i = 0; i < results.length; i += 2) {
        const [lenErr, len] = results[i] ?? []
        const [firstErr, first] = results[i + 1] ?? []
        if (lenErr || firstErr) throw lenErr ?? firstErr
        entries += typeof len === 'number' ? len : 0
        const id = (first as [string, unknown][] | undefined)?.[0]?.[0]
        if (typeof id === 'string') oldest = Math.min(oldest, Number(id.split('-')[0]))
      }
      lags.set(r.name, { entries, seconds: Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1_000) : 0 })
    }
    this.#tally.report(lags)
    return lags
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      clearInterval(this.#report)
      this.#sleeper.wakeAll()
      await Promise.allSettled(this.#loops)
      await this.#verifier?.close()
      await this.reportLag().catch(() => undefined)
      await this.#target.close()
      this.#redis.disconnect()
    })()
    return this.#closing
  }

  async #followStages(): Promise<void> {
    while (!this.#closed) {
      try {
        const stored = await this.#redis.hgetall(writeStagesKey(this.#prefix))
        for (const r of this.#config.routes) {
          if (!r.writes) continue
          const v = stored[r.name]
          this.#stages.set(r.name, isWriteStage(v) ? v : r.writes.stage)
        }
      } catch (err) {
        this.#logger.debug({ err: (err as Error).message }, 'could not read the write stages; keeping the last ones')
      }
      await this.#sleeper.sleep(Math.max(this.#opts.pollMs ?? DEFAULT_POLL_MS, 500))
    }
  }

}
