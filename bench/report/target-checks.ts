import type { TargetSummary } from './target-summary.js'

export interface CheckLine {
  readonly status: 'PASS' | 'FAIL' | 'SKIP'
  readonly text: string
}

type Metric = 'rps' | 'p99Ms'

interface RatioCheck {
  readonly what: string
  readonly subject: string
  readonly reference: string
  readonly metric: Metric
  /** rps: subject ≥ bound × reference; p99: subject ≤ bound × reference. */
  readonly bound: number
}

/** The targets from the gateway's requirements, on a 2-core machine, all relative to the same run. */
export const RATIO_CHECKS: readonly RatioCheck[] = [
  { what: 'mirror off vs raw undici proxy, rps', subject: 'sg-off', reference: 'raw-undici', metric: 'rps', bound: 0.9 },
  { what: 'mirror 100% fast shadow vs raw undici mirror, rps', subject: 'sg-fast', reference: 'raw-undici-mirror', metric: 'rps', bound: 0.9 },
  { what: '500 ms shadow vs mirror off, rps', subject: 'sg-slow', reference: 'sg-off', metric: 'rps', bound: 0.9 },
  { what: '500 ms shadow vs mirror off, p99', subject: 'sg-slow', reference: 'sg-off', metric: 'p99Ms', bound: 1.2 },
  { what: '300% load test, 500 ms shadow vs mirror off, rps', subject: 'sg-slow-300', reference: 'sg-off', metric: 'rps', bound: 0.9 },
  { what: '300% load test, 500 ms shadow vs mirror off, p99', subject: 'sg-slow-300', reference: 'sg-off', metric: 'p99Ms', bound: 1.2 },
  { what: 'mirror + audit enqueueing vs raw undici mirror, rps', subject: 'sg-audit', reference: 'raw-undici-mirror', metric: 'rps', bound: 0.8 },
]

function usable(s: TargetSummary | undefined): s is TargetSummary {
  return s !== undefined && s.failure === undefined && Number.isFinite(s.rps)
}

export function evaluateChecks(summaries: readonly TargetSummary[]): CheckLine[] {
  const byKey = new Map(summaries.map((s) => [s.target.key, s]))
  const lines: CheckLine[] = RATIO_CHECKS.map((c) => {
    const subject = byKey.get(c.subject)
    const reference = byKey.get(c.reference)
    const sign = c.metric === 'rps' ? '≥' : '≤'
    const head = `${c.subject} ${sign} ${c.bound}× ${c.reference} (${c.what})`
    if (!usable(subject) || !usable(reference)) return { status: 'SKIP', text: `${head}: not measured in this run` }
    const ratio = subject[c.metric] / reference[c.metric]
    const ok = c.metric === 'rps' ? ratio >= c.bound : ratio <= c.bound
    const unit = c.metric === 'rps' ? ' rps' : ' ms'
    const fmt = (v: number): string => (c.metric === 'rps' ? v.toFixed(0) : v.toFixed(2))
    return { status: ok ? 'PASS' : 'FAIL', text: `${head}: ${ratio.toFixed(2)}× (${fmt(subject[c.metric])}${unit} vs ${fmt(reference[c.metric])}${unit})` }
  })
  const broken = summaries.filter((s) => s.failure === undefined && (s.errors > 0 || s.non2xx > 0))
  lines.push(
    broken.length
      ? { status: 'FAIL', text: `every response 2xx, no socket errors: ${broken.map((s) => `${s.target.key} (${s.errors} errors, ${s.non2xx} non-2xx)`).join(', ')}` }
      : { status: 'PASS', text: 'every response 2xx, no socket errors' },
  )
  for (const s of summaries) if (s.failure !== undefined) lines.push({ status: 'FAIL', text: `${s.target.key} could not be measured: ${s.failure}` })
  return lines
}
