import { Point } from '@influxdata/influxdb-client'
import { REPLAY_AUDIT_MEASUREMENT, REPLAY_MEASUREMENT, methodTag, routeTag } from '@shadowgate/influx'

/** Counted outcomes of a replay window, per route. */
export const REPLAY_COUNTERS = ['replayed', 'mismatched', 'failed', 'parked', 'skipped', 'gaps', 'unknowns', 'malformed', 'read_matched', 'read_mismatched', 'read_failed', 'read_skipped'] as const
export type ReplayCounter = (typeof REPLAY_COUNTERS)[number]

/** Lag of a route as read from Redis. */
export interface RouteLag {
  readonly entries: number
  readonly seconds: number
}

/** How a read-back after a replayed write ended. */
export type ReadBackResult =
  | { readonly outcome: 'match' | 'mismatch'; readonly oldStatus: number; readonly newStatus: number; readonly differences: number; readonly paths: readonly string[] }
  | { readonly outcome: 'read_failed'; readonly side: 'old' | 'new' | 'both'; readonly error: string }

/** Where points go (an InfluxWriter, or a test's array). */
export interface ReplayPointSink {
  write(points: readonly Point[]): void
}

/**
 * The replayer's counts: totals for the process (stats()) and per-window counts that become
 * `shadowgate_replay` points with the route's lag; every verified replay becomes one
 * `shadowgate_replay_audit` point (a status mismatch names the path `status`).
 */
export class ReplayTally {
  readonly #sink: ReplayPointSink | undefined
  readonly #window = new Map<string, Record<ReplayCounter, number>>()
  readonly #totals = new Map<string, Record<ReplayCounter, number>>()

  constructor(sink?: ReplayPointSink) {
    this.#sink = sink
  }

  add(route: string, counter: ReplayCounter, by = 1): void {
    for (const map of [this.#window, this.#totals]) {
      let c = map.get(route)
      if (!c) {
        c = Object.fromEntries(REPLAY_COUNTERS.map((k) => [k, 0])) as Record<ReplayCounter, number>
        map.set(route, c)
      }
      c[counter] += by
    }
  }

  replayed(route: string, method: string, loggedStatus: number, replayStatus: number, verify: boolean): void {
    this.add(route, 'replayed')
    if (!verify) return
    const mismatch = loggedStatus !== replayStatus
    if (mismatch) this.add(route, 'mismatched')
    const p = new Point(REPLAY_AUDIT_MEASUREMENT)
      .tag('route', routeTag(route))
      .tag('method', methodTag(method))
      .tag('check', 'status')
      .tag('outcome', mismatch ? 'mismatch' : 'match')
      .intField('mismatch', mismatch ? 1 : 0)
      .intField('logged_status', loggedStatus)
      .intField('replay_status', replayStatus)
    // The one field a replay audit compares, named like a body diff's path.
    if (mismatch) p.tag('path', 'status')
    this.#sink?.write([p])
  }

  /**
   * Counts a read-back and writes its `shadowgate_replay_audit` point (check `read`): on a mismatch
   * the first differing path is the `path` tag and every one (bounded) is in the `paths` field.
   */
  readBack(route: string, method: string, r: ReadBackResult): void {
    this.add(route, r.outcome === 'match' ? 'read_matched' : r.outcome === 'mismatch' ? 'read_mismatched' : 'read_failed')
    const p = new Point(REPLAY_AUDIT_MEASUREMENT).tag('route', routeTag(route)).tag('method', methodTag(method)).tag('check', 'read').tag('outcome', r.outcome)
    if (r.outcome === 'read_failed') {
      p.tag('side', r.side).intField('mismatch', 0).stringField('error', r.error.slice(0, 200))
    } else {
      p.intField('mismatch', r.outcome === 'mismatch' ? 1 : 0).intField('differences', r.differences).intField('old_status', r.oldStatus).intField('new_status', r.newStatus)
      const first = r.paths[0]
      if (first !== undefined) p.tag('path', first.slice(0, 200)).stringField('paths', r.paths.join(' ').slice(0, 2_000))
    }
    this.#sink?.write([p])
  }

  /** Totals since the process started, per route. */
  stats(route: string): Readonly<Record<ReplayCounter, number>> {
    return { ...(this.#totals.get(route) ?? Object.fromEntries(REPLAY_COUNTERS.map((k) => [k, 0]))) } as Record<ReplayCounter, number>
  }

  /** Writes one `shadowgate_replay` point per route with the window's counts and the lag; starts a new window. */
  report(lags: ReadonlyMap<string, RouteLag>): void {
    const points: Point[] = []
    for (const [route, lag] of lags) {
      const c = this.#window.get(route)
      const p = new Point(REPLAY_MEASUREMENT).tag('route', routeTag(route)).intField('lag_entries', lag.entries).floatField('lag_seconds', lag.seconds)
      for (const k of REPLAY_COUNTERS) p.intField(k, c?.[k] ?? 0)
      points.push(p)
    }
    this.#window.clear()
    if (points.length > 0) this.#sink?.write(points)
  }
}
