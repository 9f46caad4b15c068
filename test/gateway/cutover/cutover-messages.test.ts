import { describe, expect, it } from 'vitest'
import { parseAck, parseCutoverMessage, parseHoldReport } from '../../../gateway/src/cutover/cutover-messages.js'
import { pauseSummary, percentile } from '../../../gateway/src/cutover/cutover-outcome.js'

describe('cut-over messages read from Redis (untrusted)', () => {
  it('reads PREPARE, COMMIT and ABORT', () => {
    expect(parseCutoverMessage('{"type":"prepare","route":"items","epoch":3,"from":"shadow","to":"final"}')).toEqual({ type: 'prepare', route: 'items', epoch: 3, from: 'shadow', to: 'final' })
    expect(parseCutoverMessage('{"type":"commit","route":"items","epoch":3}')).toEqual({ type: 'commit', route: 'items', epoch: 3 })
    expect(parseCutoverMessage('{"type":"abort","route":"items","epoch":4}')).toEqual({ type: 'abort', route: 'items', epoch: 4 })
  })

  it.each([
    ['not json', '{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['unknown type', '{"type":"flip","route":"items","epoch":1}'],
    ['epoch 0', '{"type":"commit","route":"items","epoch":0}'],
    ['fractional epoch', '{"type":"commit","route":"items","epoch":1.5}'],
    ['epoch as text', '{"type":"commit","route":"items","epoch":"1"}'],
    ['no route', '{"type":"abort","epoch":1}'],
    ['prepare with an unknown stage', '{"type":"prepare","route":"items","epoch":1,"from":"shadow","to":"blue"}'],
  ])('refuses %s', (_what, text) => {
    expect(parseCutoverMessage(text)).toBeUndefined()
  })

  it('counts an unreadable ack as a refusal, bounds reasons', () => {
    expect(parseAck('{"ok":true}')).toEqual({ ok: true, reason: undefined })
    expect(parseAck('nope')).toEqual({ ok: false, reason: 'unreadable acknowledgement' })
    expect(parseAck(JSON.stringify({ ok: false, reason: 'x'.repeat(1_000) })).reason).toHaveLength(200)
  })

  it('reads hold reports within the bound and refuses the rest', () => {
    const ok = { instance: 'a', pauses: [1, 2.5], releasedTo: 'new', cause: 'commit' }
    expect(parseHoldReport(JSON.stringify(ok), 10)).toEqual(ok)
    expect(parseHoldReport(JSON.stringify({ ...ok, pauses: [1, -1] }), 10)).toBeUndefined()
    expect(parseHoldReport(JSON.stringify({ ...ok, pauses: [1, 2, 3] }), 2)).toBeUndefined()
    expect(parseHoldReport(JSON.stringify({ ...ok, releasedTo: 'both' }), 10)).toBeUndefined()
    expect(parseHoldReport('[]', 10)).toBeUndefined()
  })

  it('summarises pauses over every instance with nearest-rank percentiles', () => {
    expect(percentile([], 99)).toBe(0)
    expect(percentile([1, 2, 3, 4], 50)).toBe(2)
    const s = pauseSummary([
      { instance: 'a', pauses: Array.from({ length: 99 }, () => 10), releasedTo: 'new', cause: 'commit' },
      { instance: 'b', pauses: [500], releasedTo: 'new', cause: 'commit' },
    ])
    expect(s).toEqual({ held: 100, pauseP50Ms: 10, pauseP99Ms: 10, pauseMaxMs: 500 })
  })
})
