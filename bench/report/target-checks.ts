import type { RoundFigures, TargetSummary } from './target-summary.js'

/**
 * PASS and FAIL judge the median ratio; a median that misses the bound while some round met it is
 * WITHIN_SPREAD: the run's own noise is as large as the miss, so only a quieter run can tell.
 */
export type CheckStatus = 'PASS' | 'FAIL' | 'WITHIN_SPREAD' | 'SKIP'

export interface CheckLine {
  readonly status: CheckStatus
  readonly text: string
  /** The table columns of a ratio check; absent for the other lines. */
  readonly ratio?: RatioFigures
}

/** One ratio check of one run, as the report's check table and the JSON output show it. */
export interface RatioFigures {
  readonly subject: string
  readonly reference: string
  readonly metric: Metric
  /** ≤ or ≥ and the bound, e.g. "≤ 1.1×". */
  readonly required: string
  /** Ratio of the subject's median to the reference's median. */
  readonly median: number
  /** Min and max over rounds of the ratio taken round by round (rounds are interleaved, so each round's pair ran minutes apart at most). */
  readonly min: number
  readonly max: number
  readonly subjectValue: number
  readonly referenceValue: number
}

export type Metric = 'cpuUsPerRequest' | 'rps' | 'p99Ms'

interface RatioCheck {
  readonly what: string
  readonly subject: string
  readonly reference: string
  readonly metric: Metric
  /** rps: subject ≥ bound × reference; CPU and p99: subject ≤ bound × reference. */
  readonly bound: number
}

/**
 * The gateway's cost targets. CPU per request of the proxy process decides (rps and latency follow
 * whatever else runs on a shared machine); only the slow-shadow check is about the client's view,
 * because what it guards is the production path not waiting for the shadow.
 */
export const RATIO_CHECKS: readonly RatioCheck[] = [
  { what: 'mirror off vs bare undici proxy, CPU per request', subject: 'sg-off', reference: 'raw-undici', metric: 'cpuUsPerRequest', bound: 1.0 },
  { what: 'mirror 100% vs bare fire-and-forget mirror, CPU per request', subject: 'sg-fast', reference: 'raw-undici-mirror', metric: 'cpuUsPerRequest', bound: 1.1 },
  { what: 'mirror + audit 100% vs mirror alone, CPU per request', subject: 'sg-audit', reference: 'sg-fast', metric: 'cpuUsPerRequest', bound: 1.25 },
  { what: '500 ms shadow vs mirror off, production rps', subject: 'sg-slow', reference: 'sg-off', metric: 'rps', bound: 0.9 },
  { what: '500 ms shadow vs mirror off, production p99', subject: 'sg-slow', reference: 'sg-off', metric: 'p99Ms', bound: 1.2 },
  { what: '300% load test, 500 ms shadow vs mirror off, production rps', subject: 'sg-slow-300', reference: 'sg-off', metric: 'rps', bound: 0.9 },
  { what: '300% load test, 500 ms shadow vs mirror off, production p99', subject: 'sg-slow-300', reference: 'sg-off', metric: 'p99Ms', bound: 1.2 },
]

function value(s: TargetSummary | RoundFigures, metric: Metric): number | undefined {
  const v = s[metric]
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined
}

function usable(s: TargetSummary | undefined, metric: Metric): s is TargetSummary {
  return s !== undefined && s.failure === undefined && value(s, metric) !== undefined
}

/** Ratios of the rounds both targets measured, paired by round. */
function roundRatios(subject: TargetSummary, reference: TargetSummary, metric: Metric): number[] {
  const out: number[] = []
  for (let i = 0; i < Math.min(subject.perRound.length, reference.perRound.length); i++) {
    const s = subject.perRound[i]
    const r = reference.perRound[i]
    const a = s && value(s, metric)
    const b = r && value(r, metric)
    if (a !== undefined && b !== undefined) out.push(a / b)
  }
  return out
}

const UNITS: Record<Metric, (v: number) => string> = {
  cpuUsPerRequest: (v) => `${v.toFixed(1)} µs/req`,
  rps: (v) => `${v.toFixed(0)} rps`,
  p99Ms: (v) => `${v.toFixed(2)} ms`,
}

/** One check: PASS/FAIL on the median ratio, WITHIN_SPREAD when it misses but the rounds' ratios reach the bound. */
export function judgeRatio(c: RatioCheck, subject: TargetSummary | undefined, reference: TargetSummary | undefined): CheckLine {
  const higherIsBetter = c.metric === 'rps'
  const required = `${higherIsBetter ? '≥' : '≤'} ${c.bound}×`
  const head = `${c.subject} ${required} ${c.reference} (${c.what})`
  if (!usable(subject, c.metric) || !usable(reference, c.metric)) return { status: 'SKIP', text: `${head}: not measured in this run` }
  const a = value(subject, c.metric) as number
  const b = value(reference, c.metric) as number
  const median = a / b
  const rounds = roundRatios(subject, reference, c.metric)
  const min = rounds.length ? Math.min(...rounds) : median
  const max = rounds.length ? Math.max(...rounds) : median
  const met = (r: number): boolean => (higherIsBetter ? r >= c.bound : r <= c.bound)
  const status: CheckStatus = met(median) ? 'PASS' : met(higherIsBetter ? max : min) ? 'WITHIN_SPREAD' : 'FAIL'
  const text = `${head}: ${median.toFixed(2)}× (rounds ${min.toFixed(2)}–${max.toFixed(2)}×; ${UNITS[c.metric](a)} vs ${UNITS[c.metric](b)})`
  return { status, text, ratio: { subject: c.subject, reference: c.reference, metric: c.metric, required, median, min, max, subjectValue: a, referenceValue: b } }
}

export function evaluateChecks(summaries: readonly TargetSummary[]): CheckLine[] {
  const byKey = new Map(summaries.map((s) => [s.target.key, s]))
  const lines: CheckLine[] = RATIO_CHECKS.map((c) => judgeRatio(c, byKey.get(c.subject), byKey.get(c.reference)))
  const broken = summaries.filter((s) => s.failure === undefined && (s.errors > 0 || s.non2xx > 0))
  lines.push(
    broken.length
      ? { status: 'FAIL', text: `every response 2xx, no socket errors: ${broken.map((s) => `${s.target.key} (${s.errors} errors, ${s.non2xx} non-2xx)`).join(', ')}` }
      : { status: 'PASS', text: 'every response 2xx, no socket errors' },
  )
  for (const s of summaries) if (s.failure !== undefined) lines.push({ status: 'FAIL', text: `${s.target.key} could not be measured: ${s.failure}` })
  return lines
}
