import { parsePathPattern, pathMatches, pathMatchesExactly, type PathSegment } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { PatternMatcher, type MatchState } from '../../../audit-service/src/diff/pattern-matcher.js'

const patterns = ['$', '$.a', '$.a.b', '$..ts', '$.items[*].price', '$.items[2]', '$.*.id', '$["odd key"].x', '$..meta.ts', '$.a..c']
const paths: PathSegment[][] = [
  [],
  ['a'],
  ['a', 'b'],
  ['a', 'b', 'c'],
  ['a', 'x', 'c'],
  ['ts'],
  ['x', 'y', 'ts'],
  ['items', 0, 'price'],
  ['items', 2],
  ['items', 2, 'price'],
  ['items', 'k', 'price'],
  ['q', 'id'],
  ['q', 3, 'id'],
  ['odd key', 'x'],
  ['deep', 'meta', 'ts'],
  ['meta', 'ts', 'more'],
]

function stateAt(m: PatternMatcher, path: readonly PathSegment[]): MatchState {
  let s = m.root
  for (const seg of path) s = m.step(s, seg)
  return s
}

describe('PatternMatcher', () => {
  it('agrees with pathMatchesExactly and pathMatches of the shared grammar', () => {
    const parsed = patterns.map((p) => parsePathPattern(p))
    const m = new PatternMatcher(parsed)
    for (const path of paths) {
      for (let i = 0; i < parsed.length; i++) {
        const pattern = parsed[i]!
        const only = new PatternMatcher([pattern])
        const exact = only.firstComplete(stateAt(only, path)) === 0
        expect(exact, `${pattern.source} exactly at ${JSON.stringify(path)}`).toBe(pathMatchesExactly(pattern, path))
        // pathMatches = completes here or at some ancestor.
        let any = false
        for (let n = 0; n <= path.length; n++) any ||= only.firstComplete(stateAt(only, path.slice(0, n))) === 0
        expect(any, `${pattern.source} at or above ${JSON.stringify(path)}`).toBe(pathMatches(pattern, path))
        // The combined matcher tracks each pattern independently.
        expect(m.firstComplete(stateAt(m, path), i, i + 1) === i).toBe(exact)
      }
    }
  })

  it('returns the first completing pattern in constructor order', () => {
    const m = new PatternMatcher(['$..id', '$.a.id'].map((p) => parsePathPattern(p)))
    expect(m.firstComplete(stateAt(m, ['a', 'id']))).toBe(0)
    expect(m.firstComplete(stateAt(m, ['a', 'id']), 1)).toBe(1)
  })

  it('interns states: the same position is the same object, and any index steps alike', () => {
    const m = new PatternMatcher([parsePathPattern('$..ts'), parsePathPattern('$.l[*].x')])
    expect(stateAt(m, ['a', 'b'])).toBe(stateAt(m, ['c']))
    expect(stateAt(m, ['l', 3])).toBe(stateAt(m, ['l', 99]))
    const indexed = new PatternMatcher([parsePathPattern('$.l[2]')])
    expect(indexed.firstComplete(stateAt(indexed, ['l', 2]))).toBe(0)
    expect(indexed.firstComplete(stateAt(indexed, ['l', 3]))).toBe(-1)
  })

  it('has a dead state once no pattern can match below', () => {
    const m = new PatternMatcher([parsePathPattern('$.a.b')])
    expect(stateAt(m, ['z']).live).toBe(false)
    expect(new PatternMatcher([]).root.live).toBe(false)
  })
})
