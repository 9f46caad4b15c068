import { describe, expect, it } from 'vitest'
import { validateConfig } from '@shadowgate/shared'
import { compareReadBack } from '../../../audit-service/src/replay/compare-read-back.js'
import { readBackPath } from '../../../audit-service/src/replay/read-back-verifier.js'

const limits = { maxDecodedBytes: 1_048_576, maxJsonDepth: 64, diffTimeoutMs: 1_000 }
const audit = (extra: Record<string, unknown> = {}) => validateConfig({ primary: 'http://127.0.0.1:1', routes: [{ name: 'r', match: '/r', audit: extra }] }).routes[0]!.audit
const answer = (status: number, body: unknown) => ({ status, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) })

describe('compareReadBack', () => {
  it('matches equal JSON whatever the key order, and names the paths that differ', () => {
    expect(compareReadBack(answer(200, { a: 1, b: [1, 2] }), answer(200, { b: [1, 2], a: 1 }), audit(), limits)).toEqual({ match: true, differences: 0, paths: [] })
    expect(compareReadBack(answer(200, { a: 1, b: { c: 'x' } }), answer(200, { a: 2, b: { c: 'X' } }), audit(), limits)).toEqual({ match: false, differences: 2, paths: ['$.a', '$.b.c'] })
  })

  it('follows the route audit rules, compares statuses, and other bodies byte for byte', () => {
    expect(compareReadBack(answer(200, { a: 1, at: 1 }), answer(200, { a: 1, at: 2 }), audit({ ignore: ['$.at'] }), limits).match).toBe(true)
    expect(compareReadBack(answer(200, { a: 1 }), answer(404, { a: 1 }), audit(), limits).paths).toEqual(['status'])
    expect(compareReadBack(answer(200, 'plain'), answer(200, 'plain'), audit(), limits).match).toBe(true)
    expect(compareReadBack(answer(200, 'plain'), answer(200, 'other'), audit(), limits).paths).toEqual(['$'])
  })
})

describe('readBackPath', () => {
  it('puts the write path (without its query) where {path} is', () => {
    expect(readBackPath('{path}', '/items/7?x=1')).toBe('/items/7')
    expect(readBackPath('/v2{path}/view', '/items/7')).toBe('/v2/items/7/view')
  })
})
