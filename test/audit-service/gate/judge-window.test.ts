import { describe, expect, it } from 'vitest'
import { DEFAULT_GATE, GATE_LATENCY_BUCKETS_MS, gateLatencyBucket, gateLatencyQuantile, parseGateFigures, type RouteGateConfig } from '@shadowgate/shared'
import { judgeWindow, MIN_ABORT_SERVED } from '../../../audit-service/src/gate/judge-window.js'

const CFG: RouteGateConfig = { ...DEFAULT_GATE, webhook: undefined }

describe('gate window figures and judgement', () => {
  it('the p99 of summed histograms is the upper bound of its bucket, never lower', () => {
    const lat = Array.from({ length: GATE_LATENCY_BUCKETS_MS.length + 1 }, () => 0)
    lat[gateLatencyBucket(20)] = 990
    lat[gateLatencyBucket(480)] = 10
    expect(gateLatencyQuantile(lat, 0.99)).toBe(25)
    lat[gateLatencyBucket(480)] = 11
    expect(gateLatencyQuantile(lat, 0.99)).toBe(500)
    expect(gateLatencyQuantile(lat.map(() => 0), 0.99)).toBeUndefined()
    expect(gateLatencyBucket(60_000)).toBe(GATE_LATENCY_BUCKETS_MS.length)
  })

  it('reads hostile hash values as 0, never as a number they are not', () => {
    expect(parseGateFigures({ judged: '1e9', mismatch: '-3', unjudged: 'x', 'new:served': '12', 'new:5xx': '2', 'new:err': '1' })).toMatchObject({ judged: 0, mismatches: 0, unjudged: 0, new: { served: 12, errors5xx: 3 } })
  })

  it('counts the mismatch rate over judged pairs only: unjudged pairs are not matches', () => {
    const f = parseGateFigures({ judged: '200', mismatch: '3', unjudged: '5000', 'new:served': '50', 'new:2xx': '50', 'old:served': '150' })
    expect(judgeWindow(f, CFG, 5)).toMatchObject({ result: 'fail', numbers: { mismatchRate: 0.015 } })
  })

  it('a window with too few judged pairs is inconclusive even when everything in it is clean', () => {
    expect(judgeWindow(parseGateFigures({ judged: '199', 'new:served': '50' }), CFG, 5)).toMatchObject({ result: 'inconclusive' })
    expect(judgeWindow(parseGateFigures({}), CFG, 5)).toMatchObject({ result: 'inconclusive' })
    expect(judgeWindow(parseGateFigures({ judged: '500' }), CFG, 5)).toMatchObject({ result: 'inconclusive', reason: 'the new side served no requests in the window' })
    // At serve 0 the new side is not meant to serve: the copies' judged pairs are the evidence for the first step.
    expect(judgeWindow(parseGateFigures({ judged: '500' }), CFG, 0)).toMatchObject({ result: 'pass' })
  })

  it(`aborts on new-side 5xx past the abort rate with at least ${MIN_ABORT_SERVED} served, not on a trickle`, () => {
    expect(judgeWindow(parseGateFigures({ 'new:served': String(MIN_ABORT_SERVED), 'new:5xx': '3' }), CFG, 5)).toMatchObject({ result: 'fail', abort: true })
    expect(judgeWindow(parseGateFigures({ 'new:served': String(MIN_ABORT_SERVED - 1), 'new:5xx': '3' }), CFG, 5)).toMatchObject({ result: 'inconclusive', abort: false })
  })

  it('allows the new side twice the old side 5xx rate above the 2 % floor, and 1.2x its p99 plus 50 ms', () => {
    const base = { judged: '1000', 'old:served': '1000', 'new:served': '100' }
    expect(judgeWindow(parseGateFigures({ ...base, 'old:5xx': '30', 'new:5xx': '6' }), CFG, 5).result).toBe('pass')
    expect(judgeWindow(parseGateFigures({ ...base, 'old:5xx': '30', 'new:5xx': '7' }), CFG, 5).result).toBe('fail')
    const b100 = gateLatencyBucket(100)
    const b150 = gateLatencyBucket(150)
    const b200 = gateLatencyBucket(200)
    expect(judgeWindow(parseGateFigures({ ...base, [`old:lat:${b100}`]: '1000', [`new:lat:${b150}`]: '100' }), CFG, 5).result).toBe('pass')
    expect(judgeWindow(parseGateFigures({ ...base, [`old:lat:${b100}`]: '1000', [`new:lat:${b200}`]: '100' }), CFG, 5)).toMatchObject({ result: 'fail', reason: expect.stringContaining('p99 200 ms > 170 ms') as unknown })
  })
})
