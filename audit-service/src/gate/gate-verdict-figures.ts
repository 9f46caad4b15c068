import type { RedisClient } from '../create-redis-client.js'
import type { Logger } from 'pino'
import { GATE_FIELD_JUDGED, GATE_FIELD_MISMATCH, GATE_FIELD_UNJUDGED, GateFiguresFlusher, gateFiguresKey, gateFiguresTtlMs, gateWindowStart, type RouteConfig } from '@shadowgate/shared'
import { isJudged, type Outcome } from '../verdict/verdict.js'

/**
 * The audit workers' part of the gate's figures: judged pairs (match or mismatch), mismatches, and
 * unjudged pairs (errors, timeouts, skips: counted apart, never as matches), per gated route and
 * window of the pair's capture time, flushed once a second. A job that runs again after a crash
 * counts again (as the Prometheus counters do); a failed flush loses its counts, so a window can
 * read thinner (inconclusive), never cleaner.
 */
export class GateVerdictFigures {
  readonly #prefix: string
  readonly #intervals: ReadonlyMap<string, number>
  readonly #flusher: GateFiguresFlusher

  constructor(redis: RedisClient, prefix: string, routes: readonly RouteConfig[], logger: Logger) {
    this.#prefix = prefix
    this.#intervals = new Map(routes.flatMap((r) => (r.gate ? [[r.name, r.gate.intervalMs] as const] : [])))
    this.#flusher = new GateFiguresFlusher(() => redis.pipeline(), gateFiguresTtlMs(Math.max(0, ...this.#intervals.values())), (err, keys) =>
      logger.warn({ err: err.message, keys }, 'could not write gate figures; those counts are lost (logged once until a flush succeeds)'),
    )
  }

  /** Counts one judged pair of `route` captured at `capturedMs` (epoch ms). */
  add(route: string, outcome: Outcome, capturedMs: number): void {
    const interval = this.#intervals.get(route)
    if (interval === undefined || !Number.isFinite(capturedMs)) return
    const key = gateFiguresKey(this.#prefix, route, gateWindowStart(capturedMs, interval))
    if (isJudged(outcome)) {
      this.#flusher.add(key, GATE_FIELD_JUDGED)
      if (outcome === 'mismatch') this.#flusher.add(key, GATE_FIELD_MISMATCH)
    } else {
      this.#flusher.add(key, GATE_FIELD_UNJUDGED)
    }
  }

  start(): void {
    if (this.#intervals.size > 0) this.#flusher.start()
  }

  flush(): Promise<void> {
    return this.#flusher.flush()
  }

  /** Stops the timer and flushes once more. Idempotent. */
  close(): Promise<void> {
    return this.#flusher.close()
  }
}
