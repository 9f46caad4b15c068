import { describe, expect, it } from 'vitest'
import type { DemoTally, RouteTally } from '../../../cli/src/demo/demo-tally.js'
import { formatDemoReport } from '../../../cli/src/demo/format-demo-report.js'

function tally(routes: RouteTally[]): DemoTally {
  const sum = (f: (r: RouteTally) => number): number => routes.reduce((n, r) => n + f(r), 0)
  const audited = sum((r) => r.audited)
  return { routes: new Map(routes.map((r) => [r.route, r])), requests: sum((r) => r.requests), mirrored: sum((r) => r.mirrored), enqueued: audited, settledPairs: audited, dropped: {}, audited, mismatched: sum((r) => r.outcomes['mismatch'] ?? 0) }
}

function report(routes: RouteTally[]): string {
  return formatDemoReport({ routes: routes.map((r) => r.route), tally: tally(routes), groups: [], elapsedMs: 1_000, sent: 10, failures: 0, steps: [100], drained: true, declared: [], influx: undefined, color: false })
}

describe('formatDemoReport rates', () => {
  it('takes the mismatch rate over judged pairs, and a route none of whose pairs were judged is not shown as clean (regression)', () => {
    const text = report([
      { route: 'slow', requests: 10, mirrored: 10, audited: 10, outcomes: { shadow_timeout: 10 } },
      { route: 'mixed', requests: 10, mirrored: 10, audited: 10, outcomes: { match: 3, mismatch: 1, shadow_timeout: 6 } },
    ])
    const row = (route: string): string[] => (text.split('\n').find((l) => l.trim().startsWith(route)) ?? '').trim().split(/\s{2,}/)
    expect(row('slow')).toEqual(['slow', '10', '10', '10', '0', 'none judged', '100.0 %', 'shadow_timeout 10'])
    expect(row('mixed')).toEqual(['mixed', '10', '10', '10', '1', '25.0 %', '60.0 %', 'shadow_timeout 6'])
    expect(text).toContain('20 pairs audited (4 judged), 1 mismatched (25.0 % of judged pairs)')
  })
})
