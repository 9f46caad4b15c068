import { describe, expect, it } from 'vitest'
import { alignSequences, MAX_ALIGNMENT_WORK } from '../../../audit-service/src/diff/sequence-alignment.js'

function align(a: number[], b: number[]): string[] {
  const out: string[] = []
  alignSequences(a, b, {
    pair: (i, j) => out.push(`~${i}:${j}`),
    removed: (i) => out.push(`-${i}`),
    added: (j) => out.push(`+${j}`),
  })
  return out
}

describe('alignSequences', () => {
  it('reports nothing for equal sequences', () => {
    expect(align([1, 2, 3], [1, 2, 3])).toEqual([])
  })

  it('finds one insertion at the front, in the middle and at the end', () => {
    expect(align([1, 2, 3], [9, 1, 2, 3])).toEqual(['+0'])
    expect(align([1, 2, 3], [1, 9, 2, 3])).toEqual(['+1'])
    expect(align([1, 2, 3], [1, 2, 3, 9])).toEqual(['+3'])
  })

  it('finds deletions', () => {
    expect(align([1, 2, 3, 4], [1, 4])).toEqual(['-1', '-2'])
  })

  it('pairs replaced elements in order and reports the rest', () => {
    expect(align([1, 2, 3, 4], [1, 7, 8, 9, 4])).toEqual(['~1:1', '~2:2', '+3'])
  })

  it('aligns scattered edits through the middle', () => {
    expect(align([1, 2, 3, 4, 5, 6], [0, 1, 2, 4, 5, 6, 7])).toEqual(['+0', '-2', '+6'])
  })

  it('falls back to index pairing when the edit search would be too expensive', () => {
    const n = Math.ceil(Math.sqrt(MAX_ALIGNMENT_WORK)) * 2
    const a = Array.from({ length: n }, (_, i) => i)
    const b = Array.from({ length: n + 1 }, (_, i) => i + n)
    const out = align(a, b)
    expect(out).toHaveLength(n + 1)
    expect(out[0]).toBe('~0:0')
    expect(out.at(-1)).toBe(`+${n}`)
  })
})

describe('alignSequences on random edits', () => {
  it('accounts for every element: unmentioned elements are equal and in order', () => {
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: rnd(30) }, () => rnd(6))
      const b = a.slice()
      for (let e = rnd(6); e > 0; e--) {
        const at = rnd(b.length + 1)
        if (rnd(2) === 0) b.splice(at, 0, rnd(6))
        else b.splice(at, 1)
      }
      const seenA = new Set<number>()
      const seenB = new Set<number>()
      alignSequences(a, b, {
        pair: (i, j) => (seenA.add(i), seenB.add(j)),
        removed: (i) => seenA.add(i),
        added: (j) => seenB.add(j),
      })
      const restA = a.filter((_, i) => !seenA.has(i))
      const restB = b.filter((_, j) => !seenB.has(j))
      expect(restA).toEqual(restB)
      expect(a.length - seenA.size).toBe(b.length - seenB.size)
    }
  })
})
