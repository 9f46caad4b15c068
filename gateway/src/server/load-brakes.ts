import { loadEventPoint, type LoadEvent, type PointSink } from '@shadowgate/influx'
import type { Logger } from 'pino'
import type { LoadFigures, LoadWindow } from '../mirror/load-window.js'
import { guardHandler, type HandlerGuard } from '../runtime/guard-handler.js'
import { rampPercent, rampStepStart, type LoadBrakeFigures, type LoadRamp } from '../runtime/load-ramp.js'
import type { RuntimeSettings } from '../runtime/runtime-settings.js'

/** A brake fires when the shadow's p99 passes this multiple of its baseline. */
export const P99_BRAKE_FACTOR = 1.5
/** A brake fires when more than this share of copies gets a 5xx, times out or fails. */
export const ERROR_RATE_BRAKE = 0.01
/** Copies a window needs before its p99 and error rate are judged (or taken as the baseline). */
export const MIN_WINDOW_COPIES = 20

export interface LoadBrakesOptions {
  readonly settings: RuntimeSettings
  readonly window: LoadWindow
  /** Where `shadowgate_load` points go; none without InfluxDB. */
  readonly writer?: PointSink | undefined
  /** Names this instance as the author of a brake. */
  readonly instanceId: string
  readonly intervalMs: number
  readonly logger: Logger
  readonly guard?: HandlerGuard
  /** Clock in epoch ms; tests pass their own. */
  readonly now?: () => number
}

interface Tracked {
  readonly startedAt: number
  baselineP99Ms: number | null
  lastPercent: number | undefined
}

/** A brake that fires on these figures, or undefined. */
export function brakeReason(f: LoadFigures, baselineP99Ms: number | null): string | undefined {
  if (f.circuitOpenHits > 0) return `the shadow's circuit is open (${f.circuitOpenHits} copies refused)`
  if (f.inFlightCapHits > 0) return `copies hit the in-flight cap (${f.inFlightCapHits} refused)`
  if (f.copies < MIN_WINDOW_COPIES) return undefined
  if (f.errorRate > ERROR_RATE_BRAKE) return `shadow 5xx, timeouts and failures at ${(f.errorRate * 100).toFixed(1)} % of ${f.copies} copies (limit ${ERROR_RATE_BRAKE * 100} %)`
  if (baselineP99Ms !== null && f.p99Ms !== null && f.p99Ms > P99_BRAKE_FACTOR * baselineP99Ms) {
    return `shadow p99 ${f.p99Ms.toFixed(1)} ms above ${P99_BRAKE_FACTOR} × baseline ${baselineP99Ms.toFixed(1)} ms`
  }
  return undefined
}

/**
 * The brakes of load ramps, on one gateway instance. Every `intervalMs` it judges the figures this
 * instance saw of each ramped route's shadow (LoadWindow) against the baseline p99 of the ramp's
 * first full window, and stops the ramp fleet-wide when a brake fires: the stop is a compare-and-set
 * of the runtime setting, so when several instances brake at once exactly one stop is written. It
 * also writes the ramp's events to `shadowgate_load` with times taken from the stored schedule, so
 * every instance writes the same points.
 */
export class LoadBrakes {
  readonly #opts: LoadBrakesOptions
  readonly #now: () => number
  readonly #tracked = new Map<string, Tracked>()
  readonly #guard: HandlerGuard
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #closed = false

  constructor(opts: LoadBrakesOptions) {
    this.#opts = opts
    this.#now = opts.now ?? Date.now
    this.#guard = opts.guard ?? { logger: opts.logger }
  }

  start(): void {
    if (this.#timer || this.#closed) return
    this.#timer = setInterval(guardHandler(this.#guard, 'load-brakes', () => this.evaluate()), this.#opts.intervalMs)
    this.#timer.unref()
  }

  /** One round: judges the window that just ended for every ramped route. Rounds never overlap. */
  evaluate(): Promise<void> {
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  /** Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  async #round(): Promise<void> {
    const { settings, window } = this.#opts
    for (const view of settings.list()) {
      if (this.#closed) return
      const route = view.name
      const ramp = settings.loadRamp(route)
      const now = this.#now()
      const percent = ramp === null ? undefined : rampPercent(ramp, now)
      const tracked = this.#tracked.get(route)
      if (ramp === null || percent === undefined) {
        if (tracked !== undefined && ramp !== null && ramp.startedAt === tracked.startedAt) this.#ended(route, ramp)
        this.#tracked.delete(route)
        window.unwatch(route)
        continue
      }
      let t = tracked
      if (t === undefined || t.startedAt !== ramp.startedAt) {
        t = { startedAt: ramp.startedAt, baselineP99Ms: null, lastPercent: undefined }
        this.#tracked.set(route, t)
        window.unwatch(route)
        window.watch(route)
      }
      if (t.lastPercent !== percent) {
        t.lastPercent = percent
        this.#write({ route, event: 'step', percent, reason: ramp.reason, p99Ms: null, errorRate: null, at: rampStepStart(ramp, now) })
      }
      const figures = window.take(route)
      if (figures === undefined) continue
      const reason = brakeReason(figures, t.baselineP99Ms)
      if (reason === undefined) {
        if (t.baselineP99Ms === null && figures.copies >= MIN_WINDOW_COPIES) t.baselineP99Ms = figures.p99Ms
        continue
      }
      await this.#brake(route, reason, { p99Ms: figures.p99Ms, baselineP99Ms: t.baselineP99Ms, errorRate: figures.errorRate, copies: figures.copies })
    }
  }

  async #brake(route: string, reason: string, figures: LoadBrakeFigures): Promise<void> {
    const { settings, logger } = this.#opts
    try {
      const out = await settings.stopLoad(route, { state: 'braked', reason, by: `brake@${this.#opts.instanceId}`, figures })
      if (out.load !== null) this.#ended(route, out.load)
    } catch (err) {
      // Redis down: this instance tries again next round; so does every other instance that sees it.
      logger.warn({ route, reason, err: (err as Error).message }, 'a load brake fired but the stop could not be stored; retrying next interval')
      return
    }
    this.#tracked.delete(route)
    this.#opts.window.unwatch(route)
  }

  /** Writes the end of a ramp (once per ramp on this instance; the point is the same on every instance). */
  #ended(route: string, ramp: LoadRamp): void {
    if (ramp.state === 'running' || ramp.stoppedAt === null) return
    const f = ramp.figures
    this.#write({
      route,
      event: ramp.state === 'braked' ? 'brake' : 'stop',
      percent: ramp.stoppedPercent ?? ramp.to,
      reason: ramp.stopReason ?? ramp.state,
      p99Ms: f?.p99Ms ?? null,
      errorRate: f?.errorRate ?? null,
      at: ramp.stoppedAt,
    })
  }

  #write(e: LoadEvent): void {
    try {
      this.#opts.writer?.write([loadEventPoint(e)])
    } catch (err) {
      this.#opts.logger.warn({ err, route: e.route }, 'could not write a shadowgate_load point')
    }
  }
}
