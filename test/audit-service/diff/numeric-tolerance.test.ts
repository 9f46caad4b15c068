import { parsePathPattern } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { numbersEqual } from '../../../audit-service/src/diff/numeric-tolerance.js'

const rule = (absolute?: number, relative?: number) => ({ path: parsePathPattern('$'), absolute, relative })

describe('numbersEqual', () => {
  it('is exact without a rule, also between a bigint and a double', () => {
    expect(numbersEqual(1, 1, undefined)).toBe(true)
    expect(numbersEqual(0.1 + 0.2, 0.3, undefined)).toBe(false)
    expect(numbersEqual(9007199254740992n, 9007199254740992, undefined)).toBe(true)
    expect(numbersEqual(9007199254740993n, 9007199254740992, undefined)).toBe(false)
  })

  it('accepts within either bound when both are set', () => {
    expect(numbersEqual(100, 100.5, rule(1))).toBe(true)
    expect(numbersEqual(100, 102, rule(1, 0.01))).toBe(false)
    expect(numbersEqual(100, 101, rule(0.1, 0.01))).toBe(true)
    expect(numbersEqual(0.1 + 0.2, 0.3, rule(0))).toBe(true)
  })
})
