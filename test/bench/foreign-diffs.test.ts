import { describe, expect, it } from 'vitest'
import { jsonDiffDifferences, microdiffDifferences } from '../../bench/audit/foreign-diffs.js'
import { diffOf } from '../audit-service/diff/diff-of.js'

const a = { id: 1, 'odd key': { v: [1, 2, { p: 1 }] }, gone: true, t: 1 }
const b = { id: 2, 'odd key': { v: [1, 2, { p: 2 }] }, fresh: null, t: '1' }

const set = (ds: readonly { kind: string; exactPath: string; path: string }[]): string[] => ds.map((d) => `${d.kind} ${d.exactPath} ${d.path}`).sort()

describe('library engines in the path grammar', () => {
  it('report the same differences as the walker when arrays keep their shape', () => {
    const ours = set(diffOf(a, b).differences)
    expect(ours).toEqual([
      'added $.fresh $.fresh',
      'changed $.id $.id',
      'changed $["odd key"].v[2].p $["odd key"].v[*].p',
      'removed $.gone $.gone',
      'type $.t $.t',
    ])
    expect(set(microdiffDifferences(a, b))).toEqual(ours)
    expect(set(jsonDiffDifferences(a, b))).toEqual(ours)
  })

  it('agree with the walker on an insertion (json-diff aligns, microdiff cascades)', () => {
    const x = { l: [1, 2, 3] }
    const y = { l: [0, 1, 2, 3] }
    expect(set(jsonDiffDifferences(x, y))).toEqual(set(diffOf(x, y).differences))
    expect(microdiffDifferences(x, y).length).toBe(4)
  })
})
