import { describe, expect, it } from 'vitest'
import { parseJsonBody } from '../../../audit-service/src/decode/parse-json-body.js'
import { DecodeError } from '../../../audit-service/src/errors.js'

function reason(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (e) {
    return e instanceof DecodeError ? e.reason : 'other'
  }
}

describe('parseJsonBody', () => {
  it('parses ordinary JSON with JSON.parse', () => {
    expect(parseJsonBody('{"a":[1,{"b":null}]}', 10, 'body')).toEqual({ value: { a: [1, { b: null }] }, duplicateKeys: false })
  })

  it('refuses 10,000-deep nesting as too_deep without a stack overflow', () => {
    expect(reason(() => parseJsonBody('['.repeat(10_000) + ']'.repeat(10_000), 512, 'body'))).toBe('too_deep')
    expect(reason(() => parseJsonBody('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), 512, 'body'))).toBe('too_deep')
  })

  it('keeps big integers exact', () => {
    const a = parseJsonBody('{"id":9007199254740993}', 10, 'body').value as Record<string, unknown>
    const b = parseJsonBody('{"id":9007199254740992}', 10, 'body').value as Record<string, unknown>
    expect(a['id']).toBe(9007199254740993n)
    expect(a['id']).not.toBe(b['id'])
  })

  it('flags duplicate keys with JSON.parse semantics (last wins)', () => {
    expect(parseJsonBody('{"a":1,"a":2}', 10, 'body')).toEqual({ value: { a: 2 }, duplicateKeys: true })
    expect(parseJsonBody('{"a":{"x":1},"b":{"x":1}}', 10, 'body').duplicateKeys).toBe(false)
  })

  it.each(['NaN', '{"a":Infinity}', '[1,2', '', "{'a':1}"])('reports %j as invalid_json', (text) => {
    expect(reason(() => parseJsonBody(text, 10, 'body'))).toBe('invalid_json')
  })
})
