import { describe, expect, it } from 'vitest'
import { DifferenceCollector } from '../../../audit-service/src/diff/difference-collector.js'
import { diffHeaders } from '../../../audit-service/src/diff/header-diff.js'
import { headerComparisonKey } from '../../../audit-service/src/diff/header-semantics.js'

function run(p: Record<string, string | string[]>, s: Record<string, string | string[]>, names: string[]): DifferenceCollector {
  const out = new DifferenceCollector(100)
  diffHeaders(p, s, names, out)
  return out
}

describe('diffHeaders', () => {
  it('matches header names case-insensitively', () => {
    expect(run({ 'Content-Type': 'application/json' }, { 'content-type': 'application/json' }, ['content-type']).count).toBe(0)
  })

  it('treats equivalent content-type spellings as equal', () => {
    expect(run({ 'content-type': 'application/json; charset=UTF-8' }, { 'content-type': 'Application/JSON;charset=utf-8' }, ['content-type']).count).toBe(0)
    expect(headerComparisonKey('x-a', '  A  ')).toBe('A')
  })

  it('reports changed, added and removed headers at header:<name>', () => {
    const out = run({ 'content-type': 'application/json', 'x-old': '1' }, { 'content-type': 'text/html', 'x-new': '2' }, ['content-type', 'x-old', 'x-new', 'x-none'])
    expect(out.differences).toEqual([
      { path: 'header:content-type', exactPath: 'header:content-type', kind: 'changed', primary: 'application/json', shadow: 'text/html' },
      { path: 'header:x-old', exactPath: 'header:x-old', kind: 'removed', primary: '1', shadow: undefined },
      { path: 'header:x-new', exactPath: 'header:x-new', kind: 'added', primary: undefined, shadow: '2' },
    ])
  })

  it('joins repeated values before comparing', () => {
    expect(run({ vary: ['a', 'b'] }, { vary: 'a, b' }, ['vary']).count).toBe(0)
  })
})
