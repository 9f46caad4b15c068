import { describe, expect, it } from 'vitest'
import { PairBuffer, pairBytes } from '../../../gateway/src/capture/pair-buffer.js'
import { makePair, response } from './capture-fixtures.js'

function item(id: string, bodyBytes: number) {
  const pair = makePair(id, { primary: response(Buffer.alloc(bodyBytes)), shadow: { kind: 'error', error: 'reset', message: 'x', latencyMs: 1 } })
  return { pair, capturedAtNs: '1', bytes: pairBytes(pair) }
}

describe('PairBuffer', () => {
  it('is bounded by pairs and by bytes, and takes batches oldest first within both limits', () => {
    const buf = new PairBuffer(4, 250)
    expect(buf.offer(item('a', 100))).toBe(true)
    expect(buf.offer(item('b', 100))).toBe(true)
    expect(buf.offer(item('c', 100))).toBe(false)
    expect(buf.offer(item('d', 50))).toBe(true)
    expect(buf).toMatchObject({ length: 3, bytes: 250 })
    expect(buf.take(10, 150).map((i) => i.pair.request.id)).toEqual(['a'])
    expect(buf.take(1, 1_000).map((i) => i.pair.request.id)).toEqual(['b'])
    expect(buf).toMatchObject({ length: 1, bytes: 50 })
    expect(buf.drain()).toHaveLength(1)
    expect(buf).toMatchObject({ length: 0, bytes: 0 })
  })

  it('takes a single pair larger than the byte bound when empty, so big pairs still flow', () => {
    const buf = new PairBuffer(10, 100)
    expect(buf.offer(item('huge', 1_000))).toBe(true)
    expect(buf.offer(item('next', 1))).toBe(false)
    expect(buf.take(10, 100)).toHaveLength(1)
  })
})
