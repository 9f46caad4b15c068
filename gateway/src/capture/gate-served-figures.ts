import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import {
  GateFiguresBatch,
  gateFiguresKey,
  gateFiguresTtlMs,
  gateLatencyBucket,
  gateLatencyField,
  gateServedField,
  gateStatusClass,
  gateStatusField,
  gateWindowStart,
  writeGateFigures,
  type RouteConfig,
  type ServedSide,
} from '@shadowgate/shared'

/** Bound on each flush command, so a stalled Redis never holds a flush (or close) for long. */
const GATE_FIGURES_COMMAND_TIMEOUT_MS = 1_000

/** A fail-fast connection for the figures (commands fail at once while Redis is down, never queue). */
export function createGateFiguresConnection(url: string): Redis {
  return new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: GATE_FIGURES_COMMAND_TIMEOUT_MS, connectionName: 'shadowgate-gate-figures' })
}

/** Time between flushes to Redis. */
export const GATE_SERVED_FLUSH_MS = 1_000

/**
 * The gateways' part of the gate's figures: per gated route and window, per served side (old or
 * new), the reads served, their status classes and a latency histogram with fixed buckets (so the
 * fleet's p99 is read from the sum of every instance's histogram). record() only counts in memory;
 * a timer flushes to Redis once a second, so the request path never waits on Redis. A flush that
 * fails is logged and its counts are lost: the window reads low, never better than it was.
 */
export class GateServedFigures {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #intervals: ReadonlyMap<string, number>
  readonly #ttlMs: number
  readonly #logger: Logger
  readonly #now: () => number
  readonly #batch = new GateFiguresBatch()
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #closed = false
  /** Whether the last flush failed: a Redis outage is logged once, not every second. */
  #failing = false

  constructor(redis: Redis, prefix: string, routes: readonly RouteConfig[], logger: Logger, now: () => number = Date.now) {
    this.#redis = redis
    this.#prefix = prefix
    this.#intervals = new Map(routes.flatMap((r) => (r.gate ? [[r.name, r.gate.intervalMs] as const] : [])))
    this.#ttlMs = gateFiguresTtlMs(Math.max(0, ...this.#intervals.values()))
    this.#logger = logger
    this.#now = now
  }

  /** Counts one read of `route` answered by `side` with `status` (0: no answer) in `ms`. Routes without a gate are ignored. */
  record(route: string, side: ServedSide, status: number, ms: number): void {
    const interval = this.#intervals.get(route)
    if (interval === undefined) return
    const key = gateFiguresKey(this.#prefix, route, gateWindowStart(this.#now(), interval))
    this.#batch.add(key, gateServedField(side))
    this.#batch.add(key, gateStatusField(side, gateStatusClass(status)))
    this.#batch.add(key, gateLatencyField(side, gateLatencyBucket(ms)))
  }

  start(): void {
    if (this.#timer || this.#closed || this.#intervals.size === 0) return
    this.#timer = setInterval(() => void this.flush(), GATE_SERVED_FLUSH_MS).unref()
  }

  /** Writes what was counted; never throws. */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      const counts = this.#batch.drain()
      try {
        if (this.#redis.status === 'wait') await this.#redis.connect()
        await writeGateFigures(counts, this.#redis.pipeline(), this.#ttlMs)
        this.#failing = false
      } catch (err) {
        if (!this.#failing) this.#logger.warn({ err: (err as Error).message, keys: counts.size }, 'could not write gate figures; those counts are lost (logged once until a flush succeeds)')
        this.#failing = true
      }
    })().finally(() => {
      this.#flushing = undefined
    })
    return this.#flushing
  }

  /** Stops the timer and flushes once more. Idempotent; the connection is the caller's. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#flushing
    await this.flush()
  }
}
