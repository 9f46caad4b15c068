import { describe, expect, it } from 'vitest'
import { parseJsonExact } from '../../../audit-service/src/decode/exact-json-parser.js'

describe('parseJsonExact', () => {
  it('parses like JSON.parse, keeping unsafe integers exact', () => {
    const text = '{"id": 9007199254740993, "neg": -12345678901234567890, "n": [1, 2.5, -0, 1e3], "s": "a\\"b\\u00e9", "t": true, "f": false, "z": null}'
    const { value, duplicateKeys } = parseJsonExact(text)
    expect(duplicateKeys).toBe(false)
    expect(value).toEqual({ id: 9007199254740993n, neg: -12345678901234567890n, n: [1, 2.5, -0, 1000], s: 'a"bé', t: true, f: false, z: null })
  })

  it('keeps the last duplicate and reports it, and keeps __proto__ an ordinary key', () => {
    const { value, duplicateKeys } = parseJsonExact('{"a": 1, "a": 99999999999999999999, "__proto__": {"x": 1}}')
    expect(duplicateKeys).toBe(true)
    expect((value as Record<string, unknown>)['a']).toBe(99999999999999999999n)
    expect(Object.hasOwn(value as object, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  })

  it('throws SyntaxError on malformed text', () => {
    expect(() => parseJsonExact('{"a": 1,}')).toThrow(SyntaxError)
    expect(() => parseJsonExact('[1] 2')).toThrow(/after the document/)
  })
})
