import { describe, expect, it } from 'vitest'
import { BENCH_TARGETS } from '../../bench/bench-targets.js'
import { RATIO_CHECKS, evaluateChecks, judgeRatio } from '../../bench/report/target-checks.js'
import type { RoundFigures, TargetSummary } from '../../bench/report/target-summary.js'

function summary(key: string, rounds: readonly RoundFigures[]): TargetSummary {
  const target = BENCH_TARGETS.find((t) => t.key === key)
  if (!target) throw new Error(`no target ${key}`)
  const med = (f: (r: RoundFigures) => number): number => [...rounds.map(f)].sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? Number.NaN
  return {
    target,
    rounds: rounds.length,
    rps: med((r) => r.rps),
    p50Ms: 1,
    p99Ms: med((r) => r.p99Ms),
    rpsMin: 0,
    rpsMax: 0,
    reachedShadow: undefined,
    maxRssBytes: undefined,
    cpuUsPerRequest: med((r) => r.cpuUsPerRequest ?? Number.NaN),
    loopUsPerRequest: undefined,
    cpuUsMin: undefined,
    cpuUsMax: undefined,
    perRound: rounds,
    errors: 0,
    non2xx: 0,
    mirrored: undefined,
    notMirrored: undefined,
    shadowErrors: undefined,
    audit: undefined,
    failure: undefined,
  }
}

const cpu = (...values: number[]): RoundFigures[] => values.map((v) => ({ rps: 1_000, p99Ms: 5, cpuUsPerRequest: v }))
const auditCheck = RATIO_CHECKS.find((c) => c.subject === 'sg-audit')
if (!auditCheck) throw new Error('no audit check')

describe('judgeRatio on CPU per request', () => {
  it('passes on the median ratio and reports the rounds\' spread', () => {
    const line = judgeRatio(auditCheck, summary('sg-audit', cpu(96, 100, 110)), summary('sg-fast', cpu(80, 82, 85)))
    expect(line.status).toBe('PASS')
    expect(line.ratio?.median).toBeCloseTo(100 / 82, 10)
    expect(line.ratio?.min).toBeCloseTo(96 / 80, 10)
    expect(line.ratio?.max).toBeCloseTo(110 / 85, 10)
    expect(line.ratio?.required).toBe('≤ 1.25×')
  })

  it('calls a median miss that one round met "within spread"', () => {
    expect(judgeRatio(auditCheck, summary('sg-audit', cpu(95, 105, 110)), summary('sg-fast', cpu(80, 80, 80))).status).toBe('WITHIN_SPREAD')
  })

  it('fails when no round meets the bound', () => {
    expect(judgeRatio(auditCheck, summary('sg-audit', cpu(120, 125, 130)), summary('sg-fast', cpu(80, 80, 80))).status).toBe('FAIL')
  })

  it('judges rps the other way round: at least the bound', () => {
    const rpsCheck = RATIO_CHECKS.find((c) => c.metric === 'rps')
    if (!rpsCheck) throw new Error('no rps check')
    const rounds = (...rps: number[]): RoundFigures[] => rps.map((r) => ({ rps: r, p99Ms: 5, cpuUsPerRequest: 50 }))
    expect(judgeRatio(rpsCheck, summary('sg-slow', rounds(950, 960, 970)), summary('sg-off', rounds(1_000, 1_000, 1_000))).status).toBe('PASS')
    expect(judgeRatio(rpsCheck, summary('sg-slow', rounds(850, 880, 950)), summary('sg-off', rounds(1_000, 1_000, 1_000))).status).toBe('WITHIN_SPREAD')
  })

  it('skips a check whose targets were not measured', () => {
    const lines = evaluateChecks([summary('sg-fast', cpu(80))])
    expect(lines.filter((l) => l.ratio !== undefined)).toEqual([])
    expect(lines.filter((l) => l.status === 'SKIP')).toHaveLength(RATIO_CHECKS.length)
  })
})
