import type { MigrationStage } from '@shadowgate/shared'
import type { HoldReport } from './cutover-messages.js'

/** What a cut-over did: the CLI prints it, the log and `shadowgate_cutover` record it. */
export interface CutoverOutcome {
  readonly route: string
  readonly epoch: number
  readonly outcome: 'committed' | 'aborted'
  /** Why it aborted (undefined when committed). */
  readonly abortReason: string | undefined
  readonly from: MigrationStage
  readonly to: MigrationStage
  /** Live instances asked to hold, and those that acknowledged in time. */
  readonly instances: readonly string[]
  readonly acknowledged: readonly string[]
  /** Instances whose hold report arrived (an instance cut off from Redis has none). */
  readonly reported: number
  readonly held: number
  readonly pauseP50Ms: number
  readonly pauseP99Ms: number
  readonly pauseMaxMs: number
  /** Epoch ms of PREPARE and, when committed, of the stage change in the store (nothing was served by the new side before it). */
  readonly preparedAt: number
  readonly committedAt: number | undefined
  /** Epoch ms when the coordinator decided. */
  readonly decidedAt: number
  readonly reason: string
  readonly by: string
  /** The route's write stage after a commit (`final`), or why it was not moved; absent when the route logs no writes. */
  readonly writes?: string
}

/** Nearest-rank percentile of sorted values; 0 when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? 0
}

/** The pause figures over every request the instances held. */
export function pauseSummary(reports: readonly HoldReport[]): { held: number; pauseP50Ms: number; pauseP99Ms: number; pauseMaxMs: number } {
  const all = reports.flatMap((r) => r.pauses).sort((a, b) => a - b)
  return { held: all.length, pauseP50Ms: percentile(all, 50), pauseP99Ms: percentile(all, 99), pauseMaxMs: all.at(-1) ?? 0 }
}

/** The outcome as JSON (admin API answer, log line): times as ISO 8601. */
export function cutoverOutcomeJson(o: CutoverOutcome): Record<string, unknown> {
  const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString())
  return {
    route: o.route,
    epoch: o.epoch,
    outcome: o.outcome,
    abortReason: o.abortReason ?? null,
    from: o.from,
    to: o.to,
    instances: o.instances,
    acknowledged: o.acknowledged,
    reported: o.reported,
    held: o.held,
    pauseP50Ms: o.pauseP50Ms,
    pauseP99Ms: o.pauseP99Ms,
    pauseMaxMs: o.pauseMaxMs,
    preparedAt: iso(o.preparedAt),
    committedAt: iso(o.committedAt),
    committedAtMs: o.committedAt ?? null,
    decidedAt: iso(o.decidedAt),
    reason: o.reason,
    by: o.by,
    writes: o.writes ?? null,
  }
}
