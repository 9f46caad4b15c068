import { describe, expect, it } from 'vitest'
import { previewValue } from '../../../audit-service/src/diff/value-preview.js'

describe('previewValue', () => {
  it('returns small values as they are and bigints as exact strings', () => {
    expect(previewValue({ a: [1, 'x', null, true] })).toEqual({ a: [1, 'x', null, true] })
    expect(previewValue(12345678901234567890n)).toBe('12345678901234567890')
    expect(previewValue(undefined)).toBeUndefined()
  })

  it('cuts long strings, long arrays, wide objects and deep nesting', () => {
    expect(previewValue('y'.repeat(1000))).toMatch(/^y{256}…\(\+744 chars\)$/)
    const arr = previewValue(Array.from({ length: 100 }, (_, i) => i)) as unknown[]
    expect(arr.length).toBeLessThan(100)
    expect(arr.at(-1)).toMatch(/^…\(\+\d+ items\)$/)
    expect(JSON.stringify(previewValue({ a: { b: { c: { d: { e: 1 } } } } }))).toContain('{…1 keys}')
  })
})
