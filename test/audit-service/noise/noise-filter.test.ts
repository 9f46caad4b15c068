import { describe, expect, it } from 'vitest'
import { isNoise, withoutNoise } from '../../../audit-service/src/noise/noise-filter.js'
import type { NoiseEvidence } from '../../../audit-service/src/noise/noise-store.js'
import type { FieldDifference, Verdict } from '../../../audit-service/src/verdict/verdict.js'

function evidence(pairs: number, paths: Record<string, number>): NoiseEvidence {
  return { pairs, paths: new Map(Object.entries(paths).map(([p, count]) => [p, { count, cls: 'timestamp' as const }])) }
}
function raw(pairs: number, paths: Record<string, number>): { pairs: number; paths: Map<string, number> } {
  return { pairs, paths: new Map(Object.entries(paths)) }
}
function diff(path: string): FieldDifference {
  return { path, exactPath: path, kind: 'changed', primary: 1, shadow: 2 }
}
function mismatch(...paths: string[]): Verdict {
  const differences = paths.map(diff)
  return { outcome: 'mismatch', reason: paths[0] === 'status' ? 'status' : 'body', differences, differenceCount: differences.length, fingerprint: 'orig', primaryStatus: 200, shadowStatus: 200, primaryMs: 1, shadowMs: 1 }
}

describe('isNoise (Diffy: raw above noise, by 20 % relative and 0.03 % absolute)', () => {
  it.each([
    ['no A/A pairs at all', raw(100, { $: 100 }), evidence(0, {}), false],
    ['a path A/A never saw differ', raw(100, { $: 100 }), evidence(50, {}), false],
    ['as frequent as its noise', raw(100, { $: 100 }), evidence(50, { $: 50 }), true],
    ['less frequent than its noise', raw(100, { $: 30 }), evidence(50, { $: 25 }), true],
    ['above noise by less than 20 % of its rate', raw(100, { $: 55 }), evidence(100, { $: 50 }), true],
    ['above noise by more than 20 % of its rate', raw(100, { $: 70 }), evidence(100, { $: 50 }), false],
    ['above noise by less than 0.03 % of pairs', raw(1_000_000, { $: 200 }), evidence(1_000_000, { $: 1 }), true],
  ] as const)('%s → noise %s', (_, r, e, expected) => {
    expect(isNoise('$', r, e)).toBe(expected)
  })
})

describe('withoutNoise', () => {
  const e = evidence(10, { '$.ts': 10 })
  it('drops the noisy paths and regroups the rest under a new fingerprint', () => {
    const v = withoutNoise('r', mismatch('$.ts', '$.price'), raw(10, { '$.ts': 10, '$.price': 10 }), e)
    expect([v.outcome, v.differences.map((d) => d.path), v.differenceCount, v.noisePaths]).toEqual(['mismatch', ['$.price'], 1, ['$.ts']])
    expect(v.fingerprint).not.toBe('orig')
  })
  it('makes a pair whose every difference is noise a match with reason noise', () => {
    const v = withoutNoise('r', mismatch('$.ts'), raw(10, { '$.ts': 10 }), e)
    expect([v.outcome, v.reason, v.differences, v.fingerprint]).toEqual(['match', 'noise', [], undefined])
  })
  it('never treats a status or header difference as noise', () => {
    const v = withoutNoise('r', mismatch('status'), raw(10, { status: 10 }), evidence(10, { status: 10 }))
    expect(v.outcome).toBe('mismatch')
  })
})
