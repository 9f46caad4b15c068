import { Point } from '@influxdata/influxdb-client'
import { GATEWAY_MEASUREMENT } from './measurements.js'
import type { InfluxWriter } from './influx-writer.js'

/** Cumulative counters of one route, as the gateway keeps them. */
export interface RouteMirrorCounters {
  readonly mirrored: number
  readonly notMirrored: Readonly<Record<string, number>>
}

export type GatewayCountersSnapshot = () => Readonly<Record<string, RouteMirrorCounters>>

/** The part of InfluxWriter the reporter needs. */
export type PointSink = Pick<InfluxWriter, 'write'>

export interface GatewayCountersReporterOptions {
  /** Where points go; the reporter never closes it (its owner does, after closing the reporter). */
  readonly writer: PointSink
  /** Cumulative counters since the gateway started (e.g. GatewayMetrics.snapshot). */
  readonly snapshot: GatewayCountersSnapshot
  /** The gateway instance id: the `instance` tag. */
  readonly instance: string
  /** Window length (config influx.gatewayWindowMs). */
  readonly windowMs: number
  /** Clock in epoch ms; tests pass their own. */
  readonly now?: () => number
  /** More points of the same window (access counts, slow requests, route state), stamped `ts`. */
  readonly windowPoints?: (ts: string) => readonly Point[]
}

/**
 * Writes the gateway's per-window counters to `shadowgate_gateway` (tags route, reason, instance;
 * field count): for every route, how many requests were mirrored (`reason=mirrored`) and how many
 * were not, by reason, during the window that just ended. Counters are cumulative in the gateway
 * and this reporter writes their deltas, so `sum(count)` over any range is exact; windows with
 * nothing new write nothing. The point time is the end of the window (ms precision). close()
 * writes the last, partial window so a shutdown loses nothing.
 */
export class GatewayCountersReporter {
  readonly #opts: GatewayCountersReporterOptions
  readonly #now: () => number
  readonly #last = new Map<string, number>()
  #lastMs = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: GatewayCountersReporterOptions) {
    this.#opts = options
    this.#now = options.now ?? Date.now
  }

  start(): void {
    if (this.#timer || this.#closed) return
    this.#timer = setInterval(() => this.report(), this.#opts.windowMs)
    this.#timer.unref()
  }

  /** Writes the deltas since the previous report; returns how many points it wrote. */
  report(): number {
    let snap: Readonly<Record<string, RouteMirrorCounters>>
    try {
      snap = this.#opts.snapshot()
    } catch {
      return 0
    }
    // Strictly increasing window times: two reports in one millisecond must not overwrite each other.
    const ms = Math.max(Math.floor(this.#now()), this.#lastMs + 1)
    const ts = `${ms}000000`
    const points: Point[] = []
    const add = (route: string, reason: string, value: number): void => {
      if (!Number.isFinite(value)) return
      const key = `${route}\u0000${reason}`
      const prev = this.#last.get(key) ?? 0
      // A counter that went down was reset (gateway restarted in-process): its value is all new.
      const delta = value >= prev ? value - prev : value
      this.#last.set(key, value)
      if (delta > 0) {
        points.push(new Point(GATEWAY_MEASUREMENT).tag('route', route).tag('reason', reason).tag('instance', this.#opts.instance).intField('count', delta).timestamp(ts))
      }
    }
    for (const [route, c] of Object.entries(snap)) {
      add(route, 'mirrored', c.mirrored)
      for (const [reason, n] of Object.entries(c.notMirrored)) add(route, reason, n)
    }
    try {
      if (this.#opts.windowPoints) for (const p of this.#opts.windowPoints(ts)) points.push(p)
    } catch {
      // The mirror counters of the window are still written.
    }
    if (points.length > 0) {
      this.#lastMs = ms
      this.#opts.writer.write(points)
    }
    return points.length
  }

  /** Stops the timer and reports the last partial window. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    this.report()
    return Promise.resolve()
  }
}
