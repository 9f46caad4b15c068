import { describe, expect, it } from 'vitest'
import { prefixHashTag, writeAcksKey, writeAttentionKey, writeCountersKey, writeLeaseKey, writeOutcomesKey, writeStreamKey } from '@shadowgate/shared'

const KINDS = [writeStreamKey, writeOutcomesKey, writeAttentionKey, writeAcksKey, writeCountersKey, writeLeaseKey]

describe('write-log key names', () => {
  it('stay plain without a hash tag in the prefix', () => {
    expect(writeStreamKey('shadowgate', 'orders', 3)).toBe('shadowgate:writes:log:orders:3')
    expect(writeAttentionKey('shadowgate', 'orders', 3)).toBe('shadowgate:writes:attention:orders:3')
    expect(writeLeaseKey('sg', 'orders', 0)).toBe('sg:writes:lease:orders:0')
  })

  it('give every key of a partition the same hash tag, and each partition its own, under a tagged prefix', () => {
    for (const prefix of ['{shadowgate}', 'app{sg}', '{a}{b}']) {
      for (let p = 0; p < 8; p++) {
        const tags = new Set(KINDS.map((k) => prefixHashTag(k(prefix, 'orders', p))))
        expect(tags).toEqual(new Set([`orders:${p}`]))
      }
    }
    expect(writeStreamKey('{shadowgate}', 'orders', 3)).toBe('shadowgate:writes:log:{orders:3}')
    expect(writeCountersKey('app{sg}', 'orders', 3)).toBe('appsg:writes:counters:{orders:3}')
  })
})
