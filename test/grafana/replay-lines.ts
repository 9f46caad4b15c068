import type { Point } from '@influxdata/influxdb-client'
import { ReplayTally, type ReplayCounter, type RouteLag } from '../../audit-service/src/replay/replay-tally.js'

/** One report window of the replayer for one route: its counts, its lag, and the verified replays. */
export interface ReplayWindow {
  readonly route: string
  /** Epoch ms the window is reported at. */
  readonly at: number
  readonly lag: RouteLag
  readonly counts?: Partial<Record<ReplayCounter, number>>
  /** Verified replays: the status the primary logged and the one the shadow answered. */
  readonly verified?: readonly { method: string; logged: number; replayed: number }[]
}

/**
 * Line protocol of replay windows, built by the replayer's own tally, so panels and alert rules are
 * tested on the schema it writes. The tally leaves the time to the writer; here each window gets its own.
 */
export function replayLines(windows: readonly ReplayWindow[]): string[] {
  const lines: string[] = []
  for (const w of windows) {
    const batch: Point[] = []
    const tally = new ReplayTally({ write: (points) => batch.push(...points) })
    for (const [counter, by] of Object.entries(w.counts ?? {}) as [ReplayCounter, number][]) if (counter !== 'replayed') tally.add(w.route, counter, by)
    for (let i = 0; i < (w.counts?.replayed ?? 0) - (w.verified?.length ?? 0); i++) tally.replayed(w.route, 'POST', 200, 200, false)
    for (const v of w.verified ?? []) tally.replayed(w.route, v.method, v.logged, v.replayed, true)
    tally.report(new Map([[w.route, w.lag]]))
    // One nanosecond apart: replays of the same route, method and outcome would otherwise be one point.
    batch.forEach((p, i) => lines.push(p.timestamp(`${BigInt(Math.floor(w.at)) * 1_000_000n + BigInt(i)}`).toLineProtocol() ?? ''))
  }
  return lines
}
