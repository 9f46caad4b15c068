import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { mismatchFingerprint } from '../../../audit-service/src/verdict/mismatch-fingerprint.js'

describe('mismatchFingerprint', () => {
  it('is sha1 hex (16 chars) of route, sorted path/kind pairs and the status pair', () => {
    const expected = createHash('sha1').update('orders\n$.a\tchanged\n$.b\tadded\n200→500').digest('hex').slice(0, 16)
    expect(mismatchFingerprint('orders', ['$.b\tadded', '$.a\tchanged', '$.a\tchanged'], 200, 500)).toBe(expected)
  })

  it('changes with any part of its input', () => {
    const base = mismatchFingerprint('r', ['$.a\tchanged'], 200, 200)
    expect(mismatchFingerprint('r2', ['$.a\tchanged'], 200, 200)).not.toBe(base)
    expect(mismatchFingerprint('r', ['$.a\ttype'], 200, 200)).not.toBe(base)
    expect(mismatchFingerprint('r', ['$.a\tchanged'], 200, 404)).not.toBe(base)
  })
})
