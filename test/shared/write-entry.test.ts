import { describe, expect, it } from 'vitest'
import { decodeWriteEntry, decodeWriteOutcome, encodeWriteEntry, encodeWriteOutcome, type WriteIntent } from '@shadowgate/shared'

const INTENT: WriteIntent = {
  type: 'intent',
  key: '4f1c2a8e-0d6b-4b7e-9a53-3f0e8c1d2b7a',
  method: 'PUT',
  target: '/items/7?dry=1',
  headers: { 'content-type': 'application/json', 'idempotency-key': '4f1c2a8e-0d6b-4b7e-9a53-3f0e8c1d2b7a' },
  body: Buffer.from([0, 1, 2, 255]),
  side: 'old',
  instance: 'gw-1',
  at: 1_700_000_000_000,
}

describe('write-log entries', () => {
  it('round-trip intents (binary bodies too) and gaps', () => {
    expect(decodeWriteEntry(encodeWriteEntry(INTENT))).toEqual(INTENT)
    const gap = { type: 'gap', reason: 'log_full', count: 3, from: 1, to: 2, instance: 'gw-1' } as const
    expect(decodeWriteEntry(encodeWriteEntry(gap))).toEqual(gap)
  })

  it.each([
    ['not pairs', ['t'], 'name/value pairs'],
    ['unknown type', ['t', 'copy'], 'neither intent nor gap'],
    ['bad key', ['t', 'intent', 'k', 'has spaces'], 'idempotency key'],
    ['bad headers', encodeWriteEntry(INTENT).map((v, i, a) => (a[i - 1] === 'h' ? '[1]' : v)), 'headers h'],
    ['bad side', encodeWriteEntry(INTENT).map((v, i, a) => (a[i - 1] === 's' ? 'both' : v)), 'side s'],
    ['bad gap', ['t', 'gap', 'r', 'log_full', 'c', '-1', 'f', '1', 'to', '2'], 'whole numbers'],
  ])('names what is wrong with a hand-made entry (%s)', (_what, fields, problem) => {
    const out = decodeWriteEntry(fields)
    expect(out.type).toBe('malformed')
    expect(out.type === 'malformed' && out.problem).toContain(problem)
  })

  it('round-trips outcomes and refuses anything else', () => {
    expect(decodeWriteOutcome(encodeWriteOutcome({ status: 201, latencyMs: 12.6 }))).toEqual({ status: 201, latencyMs: 13 })
    expect(decodeWriteOutcome('201')).toBeUndefined()
    expect(decodeWriteOutcome(null)).toBeUndefined()
  })
})
