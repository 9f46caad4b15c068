import { describe, expect, it } from 'vitest'
import { scanJson } from '../../../audit-service/src/decode/json-scan.js'

describe('scanJson', () => {
  it('measures depth and stops past the limit', () => {
    expect(scanJson('{"a":[{"b":[]}]}', 10)).toMatchObject({ tooDeep: false, depth: 4 })
    const deep = '['.repeat(10_000) + ']'.repeat(10_000)
    expect(scanJson(deep, 512)).toMatchObject({ tooDeep: true, depth: 513 })
  })

  it('ignores brackets, colons and digits inside strings, escaped quotes included', () => {
    const s = JSON.stringify({ 'k:[{': 'v\\"}]: 99999999999999999999', x: 'a\\' })
    expect(scanJson(s, 10)).toEqual({ tooDeep: false, depth: 1, hasBigIntegers: false, members: 2 })
  })

  it('spots integer literals beyond the safe range only', () => {
    expect(scanJson('[9007199254740991, -9007199254740991, 1.5e300, 12345678901234567.5]', 5).hasBigIntegers).toBe(false)
    expect(scanJson('[9007199254740993]', 5).hasBigIntegers).toBe(true)
    expect(scanJson('{"id":-90071992547409930}', 5).hasBigIntegers).toBe(true)
  })

  it('counts members so duplicate keys can be detected', () => {
    expect(scanJson('{"a":1,"a":2,"b":{"c":3}}', 5).members).toBe(4)
  })
})
