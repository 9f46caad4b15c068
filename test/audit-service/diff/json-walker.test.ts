import { describe, expect, it } from 'vitest'
import { parseJsonBody } from '../../../audit-service/src/decode/parse-json-body.js'
import { DiffBudgetError } from '../../../audit-service/src/errors.js'
import { diffOf, summary } from './diff-of.js'

describe('diffJson: values and fields', () => {
  it('finds nothing in equal documents, whatever the key order', () => {
    expect(diffOf({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }).count).toBe(0)
  })

  it('reports a changed value with both sides', () => {
    const r = diffOf({ order: { total: 10 } }, { order: { total: 12 } })
    expect(r.differences).toEqual([{ path: '$.order.total', exactPath: '$.order.total', kind: 'changed', primary: 10, shadow: 12 }])
  })

  it('reports added and removed fields', () => {
    const r = diffOf({ a: 1, gone: true }, { a: 1, fresh: 'x' })
    expect(r.differences).toEqual([
      { path: '$.gone', exactPath: '$.gone', kind: 'removed', primary: true, shadow: undefined },
      { path: '$.fresh', exactPath: '$.fresh', kind: 'added', primary: undefined, shadow: 'x' },
    ])
  })

  it('reports a JSON type change as `type`', () => {
    expect(summary(diffOf({ a: 1, b: null, c: [], d: {} }, { a: '1', b: 0, c: {}, d: [] }))).toEqual(['type $.a', 'type $.b', 'type $.c', 'type $.d'])
  })

  it('formats odd keys in the grammar and collapses indices in the aggregation path', () => {
    const r = diffOf({ 'a b': { 'x.y': [0, { '"q"': 1 }] } }, { 'a b': { 'x.y': [0, { '"q"': 2 }] } })
    expect(r.differences[0]?.exactPath).toBe('$["a b"]["x.y"][1]["\\"q\\""]')
    expect(r.differences[0]?.path).toBe('$["a b"]["x.y"][*]["\\"q\\""]')
  })

  it('compares integers beyond 2^53 exactly', () => {
    const a = parseJsonBody('{"id":9007199254740993}', 10, 'p').value
    const b = parseJsonBody('{"id":9007199254740992}', 10, 's').value
    expect(diffOf(a, b).differences).toEqual([{ path: '$.id', exactPath: '$.id', kind: 'changed', primary: '9007199254740993', shadow: '9007199254740992' }])
    expect(diffOf(a, parseJsonBody('{"id":9007199254740993}', 10, 's').value).count).toBe(0)
  })

  it('treats a whole-document difference at $', () => {
    expect(summary(diffOf([1], { a: 1 }))).toEqual(['type $'])
    expect(summary(diffOf(undefined, { a: 1 }))).toEqual(['added $'])
  })

  it('treats keys like "toString" and "__proto__" as ordinary data', () => {
    const a = JSON.parse('{"__proto__": {"x": 1}, "toString": 1}') as unknown
    expect(summary(diffOf(a, {}))).toEqual(['removed $.__proto__', 'removed $.toString'])
  })
})

describe('diffJson: arrays', () => {
  it('compares ordered arrays in order: a reorder is differences', () => {
    expect(summary(diffOf({ l: [1, 2, 3] }, { l: [3, 2, 1] }))).toEqual(['removed $.l[0]', 'removed $.l[1]', 'added $.l[1]', 'added $.l[2]'])
  })

  it('reports an element edited in place as changes inside it', () => {
    expect(summary(diffOf({ l: [{ a: 1 }, { a: 2 }, { a: 3 }] }, { l: [{ a: 1 }, { a: 5 }, { a: 3 }] }))).toEqual(['changed $.l[1].a'])
    expect(summary(diffOf([1, 2, 3, 4], [1, 7, 8, 4]))).toEqual(['changed $[1]', 'changed $[2]'])
  })

  it('sees a shifted page as one element added and one removed', () => {
    const page = Array.from({ length: 20 }, (_, i) => ({ id: i, title: `t${i}` }))
    const shifted = [{ id: -1, title: 'new' }, ...page.slice(0, 19)]
    expect(summary(diffOf(page, shifted))).toEqual(['added $[0]', 'removed $[19]'])
  })

  it('compares unordered arrays as multisets: a reorder is a match', () => {
    expect(diffOf({ l: [1, 2, 3, { a: 1 }] }, { l: [{ a: 1 }, 3, 1, 2] }, { arrays: { '$.l': 'unordered' } }).count).toBe(0)
  })

  it('reports unmatched unordered elements as removed/added at [*]', () => {
    const r = diffOf({ l: [1, 2, 2, 3] }, { l: [3, 2, 4, 1] }, { arrays: { '$.l': 'unordered' } })
    expect(summary(r)).toEqual(['removed $.l[2]', 'added $.l[2]'])
    expect(r.groups).toEqual(['$.l[*]\tadded', '$.l[*]\tremoved'])
  })

  it('aligns keyed arrays by the key and diffs matched elements', () => {
    const a = { items: [{ id: 1, p: 10 }, { id: 2, p: 20 }, { id: 3, p: 30 }] }
    const b = { items: [{ id: 3, p: 30 }, { id: 4, p: 40 }, { id: 1, p: 11 }] }
    const r = diffOf(a, b, { arrays: { '$.items': 'keyed:id' } })
    expect(summary(r)).toEqual(['changed $.items[0].p', 'removed $.items[1]', 'added $.items[1]'])
    expect(r.differences[0]?.path).toBe('$.items[*].p')
  })

  it('keeps keyed ids typed (1 and "1" differ) and matches keyless elements as a multiset', () => {
    const r = diffOf({ l: [{ id: 1 }, 'free', { x: 1 }] }, { l: [{ x: 1 }, { id: '1' }, 'free'] }, { arrays: { '$.l': 'keyed:id' } })
    expect(summary(r)).toEqual(['removed $.l[0]', 'added $.l[1]'])
  })

  it('aligns ordered arrays of different length: an insertion is one added element', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}` }))
    const r = diffOf({ items }, { items: [{ id: -1, name: 'new' }, ...items] })
    expect(summary(r)).toEqual(['added $.items[0]'])
  })

  it('aligns elements whose keys are written in another order without reporting them', () => {
    expect(summary(diffOf([{ x: 1, y: 2 }, { z: 3 }], [{ n: 0 }, { y: 2, x: 1 }, { z: 3 }]))).toEqual(['added $[0]'])
    const r = diffOf([5, { x: 1, y: 2 }, 7], [{ q: 1 }, { y: 2, x: 1 }, 6])
    expect(summary(r)).toEqual(['type $[0]', 'changed $[2]'])
  })

  it('pairs edited elements inside an aligned run and diffs them', () => {
    const r = diffOf({ l: [1, { a: 1 }, 3] }, { l: [1, { a: 2 }, 3, 4] })
    expect(summary(r)).toEqual(['changed $.l[1].a', 'added $.l[3]'])
  })

  it('applies array rules to the named array only', () => {
    const spec = { arrays: { '$.a': 'unordered' } }
    expect(diffOf({ a: [[1, 2]], b: [1, 2] }, { a: [[1, 2]], b: [2, 1] }, spec).count).toBe(2)
    expect(diffOf({ a: [[1, 2], [3]] }, { a: [[3], [1, 2]] }, spec).count).toBe(0)
  })
})

describe('diffJson: tolerance', () => {
  it('accepts numbers within an absolute tolerance, inclusive', () => {
    const spec = { tolerance: { '$.price': { absolute: 0.01 } } }
    expect(diffOf({ price: 1.0 }, { price: 1.01 }, spec).count).toBe(0)
    expect(diffOf({ price: 1.0 }, { price: 1.02 }, spec).count).toBe(1)
  })

  it('accepts numbers within a relative tolerance', () => {
    const spec = { tolerance: { '$..score': { relative: 0.05 } } }
    expect(diffOf({ a: { score: 100 } }, { a: { score: 104 } }, spec).count).toBe(0)
    expect(diffOf({ a: { score: 100 } }, { a: { score: 106 } }, spec).count).toBe(1)
  })

  it('applies a rule to every number below its path, and only to numbers', () => {
    const spec = { tolerance: { '$.stats': { absolute: 1 } } }
    expect(diffOf({ stats: { a: 1, b: [2, 3] } }, { stats: { a: 1.5, b: [2.9, 3] } }, spec).count).toBe(0)
    expect(summary(diffOf({ stats: { a: '1' } }, { stats: { a: '2' } }, spec))).toEqual(['changed $.stats.a'])
    expect(diffOf({ other: 1 }, { other: 1.5 }, spec).count).toBe(1)
  })

  it('works on big integers', () => {
    const a = parseJsonBody('[90071992547409930]', 5, 'p').value
    const b = parseJsonBody('[90071992547409935]', 5, 's').value
    expect(diffOf(a, b, { tolerance: { '$[*]': { absolute: 10 } } }).count).toBe(0)
    expect(diffOf(a, b).count).toBe(1)
  })
})

describe('diffJson: ignore rules', () => {
  it('ignores a node and everything below it', () => {
    expect(diffOf({ meta: { ts: 1, v: 2 }, a: 1 }, { meta: { ts: 9, v: 3, n: 1 }, a: 1 }, { ignore: ['$.meta'] }).count).toBe(0)
  })

  it('ignores a key at any depth with `..ts`', () => {
    const a = { ts: 1, x: { ts: 2, y: [{ ts: 3, k: 1 }] } }
    const b = { ts: 9, x: { ts: 8, y: [{ ts: 7, k: 1 }] } }
    expect(diffOf(a, b, { ignore: ['$..ts'] }).count).toBe(0)
    expect(summary(diffOf(a, { ...b, x: { ts: 8, y: [{ ts: 7, k: 2 }] } }, { ignore: ['$..ts'] }))).toEqual(['changed $.x.y[0].k'])
  })

  it('ignores fields of every element with `[*]`, also when they are added or removed', () => {
    const spec = { ignore: ['$.items[*].updatedAt'] }
    expect(diffOf({ items: [{ id: 1, updatedAt: 1 }] }, { items: [{ id: 1 }] }, spec).count).toBe(0)
    expect(diffOf({ items: [{ id: 1 }] }, { items: [{ id: 1, updatedAt: 2 }] }, spec).count).toBe(0)
  })

  it('lets ignored fields not disturb array matching', () => {
    const spec = { ignore: ['$..ts'], arrays: { '$.l': 'unordered' } }
    expect(diffOf({ l: [{ id: 1, ts: 1 }, { id: 2, ts: 2 }] }, { l: [{ id: 2, ts: 5 }, { id: 1, ts: 6 }] }, spec).count).toBe(0)
  })

  it('ignores the whole body with `$`', () => {
    expect(diffOf({ a: 1 }, [2], { ignore: ['$'] }).count).toBe(0)
  })
})

describe('diffJson: bounds', () => {
  it('stores a bounded number of differences but counts them all', () => {
    const a = Array.from({ length: 5000 }, (_, i) => i)
    const b = a.map((x) => -x - 1)
    const r = diffOf(a, b, {}, { maxStored: 100 })
    expect(r.count).toBe(5000)
    expect(r.differences).toHaveLength(100)
    expect(r.groups).toEqual(['$[*]\tchanged'])
  })

  it('throws DiffBudgetError past the node budget', () => {
    const a = Array.from({ length: 10_000 }, (_, i) => ({ i }))
    expect(() => diffOf(a, a.map((x) => ({ ...x })), {}, { maxNodes: 5_000 })).toThrow(DiffBudgetError)
  })

  it('throws DiffBudgetError past the time budget', () => {
    const a = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `v${i}` }))
    expect(() => diffOf(a, a.map((x) => ({ ...x })), {}, { timeoutMs: 0 })).toThrow(DiffBudgetError)
  })

  it('keeps stored values small and JSON-safe', () => {
    const big = { list: Array.from({ length: 1000 }, (_, i) => i), s: 'x'.repeat(10_000) }
    const r = diffOf({}, { big })
    expect(JSON.stringify(r.differences).length).toBeLessThan(2_000)
  })
})
