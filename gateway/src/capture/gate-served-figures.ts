import type { Logger } from 'pino'
import {
  GateFiguresFlusher,
  gateFiguresKey,
  gateFiguresTtlMs,
  gateLatencyBucket,
  gateLatencyField,
  gateServedField,
  gateStatusClass,
  gateStatusField,
  gateWindowStart,
  type RedisConfig,
  type RouteConfig,
  type ServedSide,
} from '@shadowgate/shared'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'

/** Bound on each flush command, so a stalled Redis never holds a flush (or close) for long. */
const GATE_FIGURES_COMMAND_TIMEOUT_MS = 1_000

/**
 * A fail-fast connection for the figures (commands fail at once while Redis is down, never queue).
 * In cluster mode every figures key carries the prefix's hash tag, so one flush's pipeline stays in one slot.
 */
export function createGateFiguresConnection(redis: RedisConfig): RedisClient {
  return createRedisClient(redis, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: GATE_FIGURES_COMMAND_TIMEOUT_MS, connectionName: 'shadowgate-gate-figures' })
}

/**
 * The gateways' part of the gate's figures: per gated route and window, per served side (old or
 * new), the reads served, their status classes and a latency histogram with fixed buckets (so the
 * fleet's p99 is read from the sum of every instance's histogram). record() only counts in memory;
 * a timer flushes to Redis once a second, so the request path never waits on Redis. A flush that
 * fails is logged and its counts are lost: the window reads thinner, never cleaner.
 */
export class GateServedFigures {
  readonly #redis: RedisClient
  readonly #prefix: string
  readonly #intervals: ReadonlyMap<string, number>
  readonly #now: () => number
  readonly #flusher: GateFiguresFlusher

  constructor(redis: RedisClient, prefix: string, routes: readonly RouteConfig[], logger: Logger, now: () => number = Date.now) {
    this.#redis = redis
    this.#prefix = prefix
    this.#intervals = new Map(routes.flatMap((r) => (r.gate ? [[r.name, r.gate.intervalMs] as const] : [])))
    this.#now = now
    this.#flusher = new GateFiguresFlusher(() => redis.pipeline(), gateFiguresTtlMs(Math.max(0, ...this.#intervals.values())), (err, keys) =>
      logger.warn({ err: err.message, keys }, 'could not write gate figures; those counts are lost (logged once until a flush succeeds)'),
    )
  }

  /** Counts one read of `route` answered by `side` with `status` (0: no answer) in `ms`. Routes without a gate are ignored. */
  record(route: string, side: ServedSide, status: number, ms: number): void {
    const interval = this.#intervals.get(route)
    if (interval === undefined) return
    const key = gateFiguresKey(this.#prefix, route, gateWindowStart(this.#now(), interval))
    this.#flusher.add(key, gateServedField(side))
    this.#flusher.add(key, gateStatusField(side, gateStatusClass(status)))
    this.#flusher.add(key, gateLatencyField(side, gateLatencyBucket(ms)))
  }

  start(): void {
    if (this.#intervals.size === 0) return
    // The connection is lazy: connected once here, then ioredis reconnects on its own.
    if (this.#redis.status === 'wait') this.#redis.connect().catch(() => undefined)
    this.#flusher.start()
  }

  /** Stops the timer and flushes once more. Idempotent; the connection is the caller's. */
  close(): Promise<void> {
    return this.#flusher.close()
  }
}
