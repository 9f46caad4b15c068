import { loadEventPoint, type LoadEvent } from '@shadowgate/influx'
import { replayLines, type ReplayWindow } from './replay-lines.js'

// What a migration writes besides audits and gateway counters: replay windows, load-test events and
// promotion-gate decisions, deterministic so the panels' totals are known.

/** Per route and step, one replay window: search falls behind and its verified replays all agree, products-list's differ every 4th write. */
export function replayWindows(routes: readonly string[], steps: number, stepMs: number, nowMs: number): ReplayWindow[] {
  const windows: ReplayWindow[] = []
  for (let i = 0; i < steps; i++) {
    const at = nowMs - (steps - i) * stepMs
    for (const route of routes) {
      const verified = route === 'products-list' ? [{ method: 'POST', logged: 201, replayed: i % 4 === 0 ? 500 : 201 }] : route === 'search' ? [{ method: 'PUT', logged: 200, replayed: 200 }] : []
      windows.push({
        route,
        at,
        lag: route === 'search' ? { entries: i * 3, seconds: i / 2 } : { entries: 0, seconds: 0 },
        counts: { replayed: 4, failed: i % 10 === 0 ? 1 : 0, parked: route === 'search' && i % 20 === 0 ? 2 : 0, skipped: route === 'categories' ? 1 : 0, gaps: route === 'products-list' && i === 100 ? 7 : 0 },
        verified,
      })
    }
  }
  return windows
}

/** A load test on search ramps to 100 % and is braked; one on products-list is stopped by hand. */
export function loadEvents(steps: number, stepMs: number, nowMs: number): LoadEvent[] {
  const at = (step: number): number => nowMs - (steps - step) * stepMs
  const event = (route: string, e: LoadEvent['event'], step: number, percent: number, reason: string): LoadEvent => ({ route, event: e, percent, reason, p99Ms: 40, errorRate: e === 'brake' ? 0.12 : 0, at: at(step) })
  return [
    event('search', 'step', 20, 50, 'ramp to 50 %'),
    event('search', 'step', 40, 100, 'ramp to 100 %'),
    event('search', 'brake', 60, 100, 'shadow 5xx rate 0.12 > 0.05'),
    event('products-list', 'step', 30, 25, 'ramp to 25 %'),
    event('products-list', 'stop', 90, 25, 'load stop'),
  ]
}

/** One promotion-gate decision as the gate writes it (tags route, stage, decision; field reason and figures). */
export interface GateDecision {
  readonly route: string
  readonly stage: string
  readonly decision: 'promote' | 'hold' | 'rollback' | 'inconclusive' | 'pass' | 'fail'
  readonly reason: string
  readonly step: number
}

export const GATE_DECISIONS: readonly GateDecision[] = [
  { route: 'products-list', stage: 'shadow', decision: 'inconclusive', reason: 'judged 40 < 100', step: 50 },
  { route: 'products-list', stage: 'shadow', decision: 'promote', reason: 'mismatch rate 0.004 <= 0.01', step: 58 },
  { route: 'search', stage: 'canary', decision: 'hold', reason: 'new p99 130 ms > old p99 110 ms x 1.1', step: 100 },
  { route: 'search', stage: 'canary', decision: 'rollback', reason: 'new 5xx rate 0.2 > old 0.01', step: 125 },
  { route: 'categories', stage: 'final', decision: 'pass', reason: 'all checks passed', step: 150 },
]

function gateLine(g: GateDecision, steps: number, stepMs: number, nowMs: number): string {
  const escape = (s: string): string => s.replace(/[\\"]/g, '\\$&')
  const tagEscape = (s: string): string => s.replace(/[ ,=\\]/g, '\\$&')
  const ts = BigInt(nowMs - (steps - g.step) * stepMs) * 1_000_000n
  const failing = g.decision === 'rollback' || g.decision === 'fail'
  const fields = [`reason="${escape(g.reason)}"`, 'judged=500i', `mismatches=${failing ? 100 : 2}i`, `mismatch_rate=${failing ? 0.2 : 0.004}`, `new_5xx_rate=${failing ? 0.2 : 0}`, 'old_5xx_rate=0.01', 'new_p99_ms=130', 'old_p99_ms=110']
  return `shadowgate_gate,decision=${g.decision},route=${tagEscape(g.route)},stage=${g.stage} ${fields.join(',')} ${ts}`
}

/** All of it as line protocol: replay and load points from the services' own point builders, gate lines as the gate writes them. */
export function replayLoadGateLines(routes: readonly string[], steps: number, stepMs: number, nowMs: number): string[] {
  return [
    ...replayLines(replayWindows(routes, steps, stepMs, nowMs)),
    ...loadEvents(steps, stepMs, nowMs).map((e) => loadEventPoint(e).toLineProtocol() ?? ''),
    ...GATE_DECISIONS.map((g) => gateLine(g, steps, stepMs, nowMs)),
  ]
}
