import { isMigrationStage, type MigrationStage, type RouteGateConfig } from '@shadowgate/shared'
import type { WindowJudgement, WindowNumbers } from './judge-window.js'

export const GATE_DECISIONS = ['promote', 'hold', 'rollback', 'inconclusive', 'pass', 'fail'] as const
export type GateDecision = (typeof GATE_DECISIONS)[number]

/** What the decision asks of the route's stage. */
export type GateIntent = { readonly kind: 'none' } | { readonly kind: 'step'; readonly serve: number } | { readonly kind: 'rollback' } | { readonly kind: 'promote' } | { readonly kind: 'propose' }

/**
 * The gate's memory of a route, kept in Redis (`gateLastKey`) so whichever worker holds the lease
 * next carries on: the stage it watches, the streaks and the current step's run of passing windows,
 * and the last decision with its figures (what `shadowgate migrate status` shows).
 */
export interface GateRecord {
  readonly route: string
  readonly stage: MigrationStage
  readonly serve: number
  /** Epoch ms the gate first saw this stage and serve percent; windows starting earlier are not judged for it. */
  readonly stepStartedAt: number
  /** Start of the run of passing windows in this step (null: none yet) and the judged pairs in it. */
  readonly runStartedAt: number | null
  readonly runComparisons: number
  readonly failStreak: number
  readonly inconclusiveStreak: number
  /** Start of the last window judged (null: none yet). */
  readonly lastWindow: number | null
  /** The cut-over to `final` was proposed in this step (proposals are sent once). */
  readonly proposed: boolean
  readonly decision: GateDecision
  readonly reason: string
  /** Epoch ms of the last cut-over the gate asked for in this step (null: none); a failed one is retried once per cutover.minTimeBetweenFlips. */
  readonly promoteTriedAt: number | null
  /** Whether the gate changed the stage (false with `auto: false`, when the change lost a race, or when the cut-over did not commit). */
  readonly acted: boolean
  readonly at: number
  readonly figures: WindowNumbers | null
}

/** A fresh record for a stage the gate has not watched yet. */
export function startRecord(route: string, stage: MigrationStage, serve: number, now: number, reason: string): GateRecord {
  return { route, stage, serve, stepStartedAt: now, runStartedAt: null, runComparisons: 0, failStreak: 0, inconclusiveStreak: 0, lastWindow: null, promoteTriedAt: null, proposed: false, decision: 'hold', reason, acted: false, at: now, figures: null }
}

/** The serve percent after `serve` in the steps; undefined past the last step. */
export function nextStep(steps: readonly number[], serve: number): number | undefined {
  return steps.find((s) => s > serve)
}

function pctText(v: number): string {
  return `${v}%`
}

/**
 * Decides on one judged window of a route in `canary` (pure; the evaluator acts on the intent).
 * Failing windows in a row (`failureLimit`) or one abort roll back; inconclusive windows never
 * promote and, `inconclusiveLimit` in a row, hold and say so; a step needs a run of passing windows
 * spanning `stepMinDuration` with `stepMinComparisons` judged pairs; any other window restarts it.
 */
export function decideWindow(prev: GateRecord, windowStart: number, windowEnd: number, j: WindowJudgement, cfg: RouteGateConfig, now: number): { readonly record: GateRecord; readonly intent: GateIntent } {
  const base = { ...prev, lastWindow: windowStart, at: now, figures: j.numbers, acted: false }
  if (j.abort) return { record: { ...base, failStreak: prev.failStreak + 1, runStartedAt: null, runComparisons: 0, decision: 'rollback', reason: `abort: ${j.reason}` }, intent: { kind: 'rollback' } }
  if (j.result === 'fail') {
    const failStreak = prev.failStreak + 1
    const rec = { ...base, failStreak, inconclusiveStreak: 0, runStartedAt: null, runComparisons: 0 }
    if (failStreak >= cfg.failureLimit) return { record: { ...rec, decision: 'rollback', reason: `${failStreak} failing windows in a row (failureLimit ${cfg.failureLimit}): ${j.reason}` }, intent: { kind: 'rollback' } }
    return { record: { ...rec, decision: 'fail', reason: `failing window ${failStreak}/${cfg.failureLimit}: ${j.reason}` }, intent: { kind: 'none' } }
  }
  if (j.result === 'inconclusive') {
    const inconclusiveStreak = prev.inconclusiveStreak + 1
    const rec = { ...base, inconclusiveStreak, runStartedAt: null, runComparisons: 0 }
    if (inconclusiveStreak >= cfg.inconclusiveLimit) {
      return { record: { ...rec, decision: 'hold', reason: `${inconclusiveStreak} inconclusive windows in a row, holding at serve ${pctText(prev.serve)}: ${j.reason}` }, intent: { kind: 'none' } }
    }
    return { record: { ...rec, decision: 'inconclusive', reason: j.reason }, intent: { kind: 'none' } }
  }
  const runStartedAt = prev.runStartedAt ?? windowStart
  const runComparisons = prev.runComparisons + j.numbers.judged
  const rec = { ...base, failStreak: 0, inconclusiveStreak: 0, runStartedAt, runComparisons }
  const ranMs = windowEnd - runStartedAt
  if (ranMs < cfg.stepMinDurationMs || runComparisons < cfg.stepMinComparisons) {
    return { record: { ...rec, decision: 'pass', reason: `${j.reason}; step held ${ranMs} ms of ${cfg.stepMinDurationMs} ms, ${runComparisons} of ${cfg.stepMinComparisons} judged pairs` }, intent: { kind: 'none' } }
  }
  const next = nextStep(cfg.steps, prev.serve)
  if (next !== undefined) return { record: { ...rec, decision: 'promote', reason: `step ${pctText(prev.serve)} -> ${pctText(next)}: ${runComparisons} judged pairs over ${ranMs} ms, every window passing` }, intent: { kind: 'step', serve: next } }
  if (cfg.autoPromote) return { record: { ...rec, decision: 'promote', reason: `cut-over to final: serve ${pctText(prev.serve)} held ${ranMs} ms with ${runComparisons} judged pairs, every window passing` }, intent: { kind: 'promote' } }
  if (prev.proposed) return { record: { ...rec, decision: 'hold', reason: 'cut-over to final proposed; waiting for an operator (autoPromote is off)' }, intent: { kind: 'none' } }
  return { record: { ...rec, decision: 'promote', proposed: true, reason: `cut-over to final proposed (autoPromote is off): serve ${pctText(prev.serve)} held ${ranMs} ms with ${runComparisons} judged pairs` }, intent: { kind: 'propose' } }
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v)
}

/** A record read back from Redis (untrusted); undefined when it is not one, and the gate starts afresh. */
export function parseGateRecord(text: string | null, route: string): GateRecord | undefined {
  if (text === null) return undefined
  try {
    const v = JSON.parse(text) as Record<string, unknown> | null
    if (!v || typeof v !== 'object' || v['route'] !== route) return undefined
    const ok =
      isMigrationStage(v['stage']) &&
      isNum(v['serve']) &&
      isNum(v['stepStartedAt']) &&
      (v['runStartedAt'] === null || isNum(v['runStartedAt'])) &&
      isNum(v['runComparisons']) &&
      isNum(v['failStreak']) &&
      isNum(v['inconclusiveStreak']) &&
      (v['lastWindow'] === null || isNum(v['lastWindow'])) &&
      typeof v['proposed'] === 'boolean' &&
      (GATE_DECISIONS as readonly unknown[]).includes(v['decision']) &&
      typeof v['reason'] === 'string' &&
      isNum(v['at'])
    // Records written before promoteTriedAt existed read as "never tried".
    return ok ? ({ ...v, promoteTriedAt: isNum(v['promoteTriedAt']) ? v['promoteTriedAt'] : null, acted: v['acted'] === true, figures: (v['figures'] ?? null) as WindowNumbers | null } as unknown as GateRecord) : undefined
  } catch {
    return undefined
  }
}
