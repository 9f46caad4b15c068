import type { IncomingMessage } from 'node:http'
import { queryRedactionNames, type ShadowgateConfig, type SlowThreshold } from '@shadowgate/shared'
import type { CopyHandle, ShadowOutcome } from '../metrics/traffic-observer.js'
import { RecentP99 } from '../metrics/recent-p99.js'
import { redactedTarget } from './query-redaction.js'

/** A request whose primary or shadow took longer than its route's slowThreshold. */
export interface SlowRequest {
  /** Epoch ms when the request completed. */
  readonly time: number
  readonly instance: string
  readonly route: string
  readonly method: string
  /** Path and query with redacted parameters' values replaced. */
  readonly path: string
  readonly caller: string
  readonly primaryMs: number
  readonly primaryStatus: number
  /** null when the request was not mirrored. */
  readonly shadowMs: number | null
  /** null when not mirrored or when the copy got no response. */
  readonly shadowStatus: number | null
  /** Which sides passed the threshold. */
  readonly slow: readonly SlowSide[]
}

export type SlowSide = 'primary' | 'shadow'

/** Where slow requests are kept (the Redis list of `shadowgate slow`). Must not throw or wait. */
export interface SlowRequestSink {
  add(entry: SlowRequest): void
}

export interface SlowLogger {
  warn(obj: object, msg: string): void
}

/** Slow requests logged per second at most; the rest are kept and counted, and their number is logged. */
const MAX_LOGGED_PER_SECOND = 100
const DEFAULT_THRESHOLD: SlowThreshold = { kind: 'absolute', ms: 10_000 }

interface PrimarySide {
  readonly route: string
  readonly method: string
  readonly url: string
  readonly caller: string
  readonly ms: number
  readonly status: number
}

/** Both sides of one mirrored request, whichever ends first waits for the other. */
class SlowJoin implements CopyHandle {
  primary: PrimarySide | undefined
  shadow: ShadowOutcome | undefined
  constructor(
    readonly owner: SlowRequests,
    readonly route: string,
  ) {}

  shadowDone(outcome: ShadowOutcome): void {
    if (this.shadow !== undefined) return
    this.shadow = outcome
    this.owner.observeShadow(this.route, outcome.latencyMs)
    if (this.primary !== undefined) this.owner.judge(this.primary, outcome)
  }
}

/**
 * Finds slow requests: primary or shadow latency past the route's `slowThreshold` (a duration, or
 * a factor of the route's recent p99 on that side). A mirrored request is judged once both sides
 * are in, so its one log line carries both latencies and statuses. Each is logged at warn (at most
 * MAX_LOGGED_PER_SECOND a second), handed to the sink and counted per route and side.
 */
export class SlowRequests {
  readonly #thresholds = new Map<string, SlowThreshold>()
  readonly #p99 = new Map<string, { primary: RecentP99; shadow: RecentP99 }>()
  readonly #joins = new WeakMap<IncomingMessage, SlowJoin>()
  readonly #redact: ReadonlySet<string>
  readonly #instance: string
  readonly #log: SlowLogger
  readonly #sink: SlowRequestSink | undefined
  readonly #now: () => number
  #counts = new Map<string, number>()
  #second = 0
  #loggedThisSecond = 0
  #unlogged = 0

  constructor(config: ShadowgateConfig, opts: { instance: string; log: SlowLogger; sink?: SlowRequestSink; now?: () => number }) {
    for (const r of config.routes) this.#thresholds.set(r.name, r.slowThreshold)
    this.#redact = queryRedactionNames(config.audit.redactQuery)
    this.#instance = opts.instance
    this.#log = opts.log
    this.#sink = opts.sink
    this.#now = opts.now ?? Date.now
  }

  copySent(req: IncomingMessage, route: string): CopyHandle {
    const join = new SlowJoin(this, route)
    this.#joins.set(req, join)
    return join
  }

  primaryDone(req: IncomingMessage, route: string, caller: string, ms: number, status: number): void {
    if (this.#threshold(route).kind === 'relative') this.#sides(route).primary.add(ms)
    const join = this.#joins.get(req)
    // Most requests are neither mirrored nor slow: nothing is allocated for them.
    if (join === undefined && !this.#isSlow(route, 'primary', ms, this.#now())) return
    const primary: PrimarySide = { route, method: req.method ?? 'GET', url: req.url ?? '/', caller, ms, status }
    if (join === undefined) {
      this.judge(primary, undefined)
      return
    }
    join.primary = primary
    if (join.shadow !== undefined) this.judge(primary, join.shadow)
  }

  /** @internal (SlowJoin) */
  observeShadow(route: string, ms: number): void {
    if (this.#threshold(route).kind === 'relative') this.#sides(route).shadow.add(ms)
  }

  /** @internal (SlowJoin) */
  judge(primary: PrimarySide, shadow: ShadowOutcome | undefined): void {
    const slow: SlowSide[] = []
    const now = this.#now()
    if (this.#isSlow(primary.route, 'primary', primary.ms, now)) slow.push('primary')
    if (shadow !== undefined && this.#isSlow(primary.route, 'shadow', shadow.latencyMs, now)) slow.push('shadow')
    if (slow.length === 0) return
    for (const side of slow) {
      const key = `${primary.route}\u0000${side}`
      this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
    }
    const entry: SlowRequest = {
      time: now,
      instance: this.#instance,
      route: primary.route,
      method: primary.method,
      path: redactedTarget(primary.url, this.#redact),
      caller: primary.caller,
      primaryMs: Math.round(primary.ms),
      primaryStatus: primary.status,
      shadowMs: shadow === undefined ? null : Math.round(shadow.latencyMs),
      shadowStatus: shadow?.status ?? null,
      slow,
    }
    this.#logEntry(entry, now)
    this.#sink?.add(entry)
  }

  /** Slow requests per route and side since the previous drain. */
  drainCounts(): { route: string; side: SlowSide; count: number }[] {
    const counts = this.#counts
    this.#counts = new Map()
    return [...counts].map(([key, count]) => {
      const [route = '', side] = key.split('\u0000')
      return { route, side: side === 'shadow' ? 'shadow' : 'primary', count }
    })
  }

  #logEntry(entry: SlowRequest, now: number): void {
    const second = Math.floor(now / 1_000)
    if (second !== this.#second) {
      this.#second = second
      this.#loggedThisSecond = 0
    }
    if (this.#loggedThisSecond >= MAX_LOGGED_PER_SECOND) {
      this.#unlogged++
      return
    }
    this.#loggedThisSecond++
    const unlogged = this.#unlogged
    this.#unlogged = 0
    this.#log.warn({ ...entry, ...(unlogged > 0 ? { unloggedBefore: unlogged } : {}) }, `slow request on route ${entry.route} (${entry.slow.join(' and ')})`)
  }

  #sides(route: string): { primary: RecentP99; shadow: RecentP99 } {
    let sides = this.#p99.get(route)
    if (sides === undefined) {
      sides = { primary: new RecentP99(), shadow: new RecentP99() }
      this.#p99.set(route, sides)
    }
    return sides
  }

  #threshold(route: string): SlowThreshold {
    return this.#thresholds.get(route) ?? DEFAULT_THRESHOLD
  }

  #isSlow(route: string, side: SlowSide, ms: number, now: number): boolean {
    const threshold = this.#threshold(route)
    if (threshold.kind === 'absolute') return ms > threshold.ms
    const p99 = this.#sides(route)[side].p99(now)
    return p99 !== undefined && ms > threshold.factor * p99
  }
}
