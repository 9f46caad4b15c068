import { describe, expect, it } from 'vitest'
import { formatCollapsedPath, formatPath, parsePathPattern, pathMatches, pathMatchesExactly, PathSyntaxError } from '@shadowgate/shared'

describe('path grammar', () => {
  it('formats exact and collapsed paths in one grammar', () => {
    expect(formatPath(['items', 3, 'price'])).toBe('$.items[3].price')
    expect(formatCollapsedPath(['items', 3, 'price'])).toBe('$.items[*].price')
    expect(formatPath(['a b', 'x-y', '_ok'])).toBe('$["a b"]["x-y"]._ok')
    expect(formatPath([])).toBe('$')
  })

  it('round-trips what it formats', () => {
    for (const p of ['$.items[*].price', '$["a b"][0]', '$..ts', '$.*.id', '$']) {
      expect(parsePathPattern(p).source).toBe(p)
    }
  })

  it('matches nodes and everything below them', () => {
    const meta = parsePathPattern('$.meta')
    expect(pathMatches(meta, ['meta', 'ts'])).toBe(true)
    expect(pathMatchesExactly(meta, ['meta', 'ts'])).toBe(false)
    expect(pathMatches(parsePathPattern('$.items[*].price'), ['items', 7, 'price'])).toBe(true)
    expect(pathMatches(parsePathPattern('$.items[2].price'), ['items', 7, 'price'])).toBe(false)
    expect(pathMatches(parsePathPattern('$..ts'), ['a', 0, 'b', 'ts'])).toBe(true)
    expect(pathMatches(parsePathPattern('$..ts'), ['a', 'tsx'])).toBe(false)
    expect(pathMatches(parsePathPattern('$.*.id'), ['x', 'id'])).toBe(true)
    expect(pathMatches(parsePathPattern('$.*.id'), [0, 'id'])).toBe(false)
    expect(pathMatches(parsePathPattern('$["a b"]'), ['a b'])).toBe(true)
  })

  it.each(['items', '$.', '$.items[', '$.items[-1]', '$.items[x]', '$..', '$["unterminated]', '$.1abc', '$ .a'])('rejects %s with a PathSyntaxError', (p) => {
    let caught: unknown
    try {
      parsePathPattern(p)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(PathSyntaxError)
    expect((caught as PathSyntaxError).code).toBe('SG_PATH_INVALID')
    expect((caught as PathSyntaxError).message).toContain(p)
  })
})
