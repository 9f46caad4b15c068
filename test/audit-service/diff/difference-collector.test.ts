import { describe, expect, it } from 'vitest'
import { DifferenceCollector, MAX_DIFFERENCE_GROUPS } from '../../../audit-service/src/diff/difference-collector.js'

describe('DifferenceCollector', () => {
  it('formats body paths in both forms', () => {
    const c = new DifferenceCollector(10)
    c.addAt('changed', ['items', 3, 'price'], 1, 2)
    expect(c.differences).toEqual([{ path: '$.items[*].price', exactPath: '$.items[3].price', kind: 'changed', primary: 1, shadow: 2 }])
  })

  it('merges another collector within its own cap', () => {
    const a = new DifferenceCollector(2)
    a.add('changed', 'status', 'status', 200, 500)
    const b = new DifferenceCollector(10)
    b.addAt('added', ['x'], undefined, 1)
    b.addAt('added', ['y'], undefined, 1)
    a.absorb(b)
    expect(a.count).toBe(3)
    expect(a.differences).toHaveLength(2)
    expect(a.groupKeys()).toEqual(['$.x\tadded', '$.y\tadded', 'status\tchanged'])
  })

  it('bounds the distinct groups and marks the overflow', () => {
    const c = new DifferenceCollector(0)
    for (let i = 0; i <= MAX_DIFFERENCE_GROUPS; i++) c.addAt('added', [`k${i}`], undefined, 1)
    const keys = c.groupKeys()
    expect(keys).toHaveLength(MAX_DIFFERENCE_GROUPS + 1)
    expect(keys.at(-1)).toBe('…')
  })
})
