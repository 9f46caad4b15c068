import { describe, expect, it } from 'vitest'
import { DifferenceCollector } from '../../../audit-service/src/diff/difference-collector.js'
import { diffText, firstDifference } from '../../../audit-service/src/diff/text-difference.js'

describe('diffText', () => {
  it('finds nothing in equal texts', () => {
    const out = new DifferenceCollector(10)
    diffText('same', 'same', out)
    expect(out.count).toBe(0)
  })

  it('reports one change at $ with excerpts around the first difference', () => {
    const out = new DifferenceCollector(10)
    const head = 'a'.repeat(500)
    diffText(`${head}XYZ${'b'.repeat(500)}`, `${head}QRS${'b'.repeat(500)}`, out)
    const d = out.differences[0]!
    expect(d).toMatchObject({ path: '$', exactPath: '$', kind: 'changed' })
    expect(String(d.primary)).toMatch(/^…a{40}XYZb+…$/)
    expect(String(d.shadow)).toMatch(/^…a{40}QRSb+…$/)
    expect(firstDifference('abc', 'abd')).toBe(2)
    expect(firstDifference('ab', 'abc')).toBe(2)
  })
})
