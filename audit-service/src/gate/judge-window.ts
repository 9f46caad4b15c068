import { gateLatencyQuantile, type GateFigures, type RouteGateConfig } from '@shadowgate/shared'

/** What one window says about the canary. */
export type WindowResult = 'pass' | 'fail' | 'inconclusive'

/** The figures of a window as the decision records them (InfluxDB fields, the last decision in Redis). */
export interface WindowNumbers {
  readonly judged: number
  readonly mismatches: number
  readonly unjudged: number
  /** Mismatches over judged pairs; undefined without judged pairs. */
  readonly mismatchRate: number | undefined
  readonly oldServed: number
  readonly newServed: number
  readonly old5xxRate: number | undefined
  readonly new5xxRate: number | undefined
  readonly oldP99Ms: number | undefined
  readonly newP99Ms: number | undefined
}

export interface WindowJudgement {
  readonly result: WindowResult
  /** The new side's 5xx rate passed abort5xxRate: roll back now, whatever the streaks. */
  readonly abort: boolean
  /** Every reason the window did not pass, or why it passed; one line. */
  readonly reason: string
  readonly numbers: WindowNumbers
}

/** Fewest requests the new side must have served in a window before its 5xx rate alone aborts the canary: one error in a trickle is not a rate. */
export const MIN_ABORT_SERVED = 20

function rate(part: number, whole: number): number | undefined {
  return whole > 0 ? part / whole : undefined
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)}%`
}

export function windowNumbers(f: GateFigures): WindowNumbers {
  return {
    judged: f.judged,
    mismatches: f.mismatches,
    unjudged: f.unjudged,
    mismatchRate: rate(f.mismatches, f.judged),
    oldServed: f.old.served,
    newServed: f.new.served,
    old5xxRate: rate(f.old.errors5xx, f.old.served),
    new5xxRate: rate(f.new.errors5xx, f.new.served),
    oldP99Ms: gateLatencyQuantile(f.old.latency, 0.99),
    newP99Ms: gateLatencyQuantile(f.new.latency, 0.99),
  }
}

/**
 * Judges one window of a route in `canary`. The mismatch rate is over judged pairs only (errors,
 * timeouts and skipped pairs are counted apart, never as matches). The 5xx and latency checks
 * compare the new side with the old side of the same window; when the old side served nothing
 * (serve percent 100) only the absolute 5xx bound applies. No data is never a pass: too few judged
 * pairs is inconclusive, and so is a window that fails nothing but in which the new side served
 * nothing while it should serve (its 5xx rate and latency are unknown; at serve 0 the judged pairs of
 * the copies are the whole evidence, so the first step can be taken); except that a new side already past
 * the abort rate (with at least MIN_ABORT_SERVED requests served) fails and aborts however few pairs
 * were judged.
 */
export function judgeWindow(f: GateFigures, cfg: RouteGateConfig, servePercent: number): WindowJudgement {
  const n = windowNumbers(f)
  const failures: string[] = []
  if (n.new5xxRate !== undefined && n.new5xxRate > cfg.abort5xxRate && n.newServed >= MIN_ABORT_SERVED) {
    return { result: 'fail', abort: true, reason: `new side 5xx ${pct(n.new5xxRate)} > abort bound ${pct(cfg.abort5xxRate)} (${n.newServed} served)`, numbers: n }
  }
  if (n.judged < cfg.minComparisons) return { result: 'inconclusive', abort: false, reason: `${n.judged} judged pairs < minComparisons ${cfg.minComparisons} (${n.unjudged} unjudged)`, numbers: n }
  if (n.new5xxRate !== undefined) {
    const bound = Math.max(cfg.max5xxRate, cfg.max5xxFactor * (n.old5xxRate ?? 0))
    if (n.new5xxRate > bound) failures.push(`new side 5xx ${pct(n.new5xxRate)} > ${pct(bound)} (max of ${pct(cfg.max5xxRate)} and ${cfg.max5xxFactor}x old side ${pct(n.old5xxRate ?? 0)})`)
  }
  if (n.mismatchRate !== undefined && n.mismatchRate > cfg.maxMismatchRate) failures.push(`mismatch rate ${pct(n.mismatchRate)} > ${pct(cfg.maxMismatchRate)} (${n.mismatches}/${n.judged} judged pairs)`)
  if (n.newP99Ms !== undefined && n.oldP99Ms !== undefined) {
    const bound = cfg.maxLatencyFactor * n.oldP99Ms + cfg.latencySlackMs
    if (n.newP99Ms > bound) failures.push(`new side p99 ${n.newP99Ms} ms > ${bound} ms (${cfg.maxLatencyFactor}x old side p99 ${n.oldP99Ms} ms + ${cfg.latencySlackMs} ms)`)
  }
  if (failures.length > 0) return { result: 'fail', abort: false, reason: failures.join('; '), numbers: n }
  if (n.newServed === 0 && servePercent > 0) return { result: 'inconclusive', abort: false, reason: 'the new side served no requests in the window', numbers: n }
  return { result: 'pass', abort: false, reason: `mismatch rate ${pct(n.mismatchRate ?? 0)} over ${n.judged} judged pairs, new side 5xx ${pct(n.new5xxRate ?? 0)}, p99 ${n.newP99Ms ?? '-'} ms vs ${n.oldP99Ms ?? '-'} ms`, numbers: n }
}
