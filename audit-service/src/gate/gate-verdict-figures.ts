import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { GATE_FIELD_JUDGED, GATE_FIELD_MISMATCH, GATE_FIELD_UNJUDGED, GateFiguresBatch, gateFiguresKey, gateFiguresTtlMs, gateWindowStart, writeGateFigures, type RouteConfig } from '@shadowgate/shared'
import type { Outcome } from '../verdict/verdict.js'

/** Time between flushes to Redis. */
export const GATE_FIGURES_FLUSH_MS = 1_000

/**
 * The audit workers' part of the gate's figures: judged pairs (match or mismatch), mismatches, and
 * unjudged pairs (errors, timeouts, skips: counted apart, never as matches), per gated route and
 * window of the pair's capture time. Counted in memory and flushed once a second. A job that runs
 * again after a crash counts again (as the Prometheus counters do); a flush that fails is logged
 * and its counts are lost, so a window can read low, which makes it inconclusive, never a pass.
 */
export class GateVerdictFigures {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #intervals: ReadonlyMap<string, number>
  readonly #logger: Logger
  readonly #ttlMs: number
  readonly #batch = new GateFiguresBatch()
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #closed = false
  /** Whether the last flush failed: a Redis outage is logged once, not every second. */
  #failing = false

  constructor(redis: Redis, prefix: string, routes: readonly RouteConfig[], logger: Logger) {
    this.#redis = redis
    this.#prefix = prefix
    this.#intervals = new Map(routes.flatMap((r) => (r.gate ? [[r.name, r.gate.intervalMs] as const] : [])))
    this.#logger = logger
    this.#ttlMs = gateFiguresTtlMs(Math.max(0, ...this.#intervals.values()))
  }

  /** Whether any route has a gate (without one this object counts nothing and need not run). */
  get active(): boolean {
    return this.#intervals.size > 0
  }

  /** Counts one judged pair of `route` captured at `capturedMs` (epoch ms). */
  add(route: string, outcome: Outcome, capturedMs: number): void {
    const interval = this.#intervals.get(route)
    if (interval === undefined || !Number.isFinite(capturedMs)) return
    const key = gateFiguresKey(this.#prefix, route, gateWindowStart(capturedMs, interval))
    if (outcome === 'match' || outcome === 'mismatch') {
      this.#batch.add(key, GATE_FIELD_JUDGED)
      if (outcome === 'mismatch') this.#batch.add(key, GATE_FIELD_MISMATCH)
    } else {
      this.#batch.add(key, GATE_FIELD_UNJUDGED)
    }
  }

  start(): void {
    if (this.#timer || this.#closed || !this.active) return
    this.#timer = setInterval(() => void this.flush(), GATE_FIGURES_FLUSH_MS).unref()
  }

  /** Writes what was counted; never throws. */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing
    this.#flushing = this.#write().finally(() => {
      this.#flushing = undefined
    })
    return this.#flushing
  }

  /** Stops the timer and flushes once more. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#flushing
    await this.flush()
  }

  async #write(): Promise<void> {
    const counts = this.#batch.drain()
    try {
      await writeGateFigures(counts, this.#redis.pipeline(), this.#ttlMs)
      this.#failing = false
    } catch (err) {
      if (!this.#failing) this.#logger.warn({ err: (err as Error).message, keys: counts.size }, 'could not write gate figures; those counts are lost (logged once until a flush succeeds)')
      this.#failing = true
    }
  }
}
