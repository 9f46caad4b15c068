import { describe, expect, it } from 'vitest'
import { compareRecheck, finalVerdict } from '../../../audit-service/src/recheck/classify-recheck.js'
import type { Verdict } from '../../../audit-service/src/verdict/verdict.js'

function verdict(outcome: Verdict['outcome'], fingerprint: string | undefined, primaryStatus = 200): Verdict {
  return {
    outcome,
    reason: outcome === 'match' ? 'json' : 'body',
    differences: fingerprint ? [{ path: '$.a', exactPath: '$.a', kind: 'changed', primary: 1, shadow: 2 }] : [],
    differenceCount: fingerprint ? 1 : 0,
    fingerprint,
    primaryStatus,
    shadowStatus: 200,
    primaryMs: 1,
    shadowMs: 1,
  }
}

describe('compareRecheck', () => {
  const suspect = verdict('mismatch', 'fp1')
  it.each([
    ['a match', verdict('match', undefined), 'match'],
    ['the same paths and kinds', verdict('mismatch', 'fp1'), 'same'],
    ['other paths', verdict('mismatch', 'fp2'), 'other'],
    ['a shadow failure', verdict('shadow_error', undefined), 'other'],
    ['two equal answers of another primary status (a re-check without credentials)', verdict('match', undefined, 401), 'other'],
  ] as const)('%s → %s', (_, check, expected) => {
    expect(compareRecheck(suspect, check)).toBe(expected)
  })
})

describe('finalVerdict', () => {
  it('turns a resolved suspect into a match with reason resolved and no differences', () => {
    const v = finalVerdict(verdict('mismatch', 'fp1'), { state: 'resolved', delayMs: 1_000 })
    expect([v.outcome, v.reason, v.differences.length, v.fingerprint, v.recheck]).toEqual(['match', 'resolved', 0, undefined, { state: 'resolved', delayMs: 1_000 }])
  })
  it('keeps a persistent suspect as the mismatch it was', () => {
    const v = finalVerdict(verdict('mismatch', 'fp1'), { state: 'persistent', delayMs: 1_000 })
    expect([v.outcome, v.fingerprint, v.recheck?.state]).toEqual(['mismatch', 'fp1', 'persistent'])
  })
})
