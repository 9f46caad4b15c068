import type { Point } from '@influxdata/influxdb-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LoadWindow } from '../../../gateway/src/mirror/load-window.js'
import type { ObservedOutcome } from '../../../gateway/src/mirror/mirror-pair.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { LoadBrakes, MIN_WINDOW_COPIES, brakeReason } from '../../../gateway/src/server/load-brakes.js'
import { memoryLogger, runtimeTestConfig } from '../runtime/runtime-test-config.js'

const T0 = 1_700_000_000_000
const ok = (latencyMs: number, status = 200): ObservedOutcome => ({ kind: 'response', status, headers: [], body: Buffer.alloc(0), truncated: false, latencyMs })

function figures(over: Partial<Parameters<typeof brakeReason>[0]> = {}): Parameters<typeof brakeReason>[0] {
  return { copies: 100, p99Ms: 50, errorRate: 0, inFlightCapHits: 0, circuitOpenHits: 0, ...over }
}

describe('brake rules', () => {
  it.each([
    ['p99 above 1.5 × baseline', figures({ p99Ms: 151 }), 100, /shadow p99 151.0 ms above 1.5 × baseline 100.0 ms/],
    ['p99 at 1.5 × baseline', figures({ p99Ms: 150 }), 100, undefined],
    ['no baseline yet', figures({ p99Ms: 1_000 }), null, undefined],
    ['errors above 1 %', figures({ errorRate: 0.02 }), 100, /shadow 5xx, timeouts and failures at 2.0 % of 100 copies/],
    ['errors at 1 %', figures({ errorRate: 0.01 }), 100, undefined],
    ['too few copies to judge', figures({ copies: MIN_WINDOW_COPIES - 1, errorRate: 1, p99Ms: 1_000 }), 100, undefined],
    ['the circuit opened', figures({ copies: 0, circuitOpenHits: 3 }), 100, /circuit is open \(3 copies refused\)/],
    ['copies hit the in-flight cap', figures({ copies: 5, inFlightCapHits: 2 }), null, /hit the in-flight cap \(2 refused\)/],
  ])('%s', (_name, f, baseline, expected) => {
    const reason = brakeReason(f, baseline)
    if (expected === undefined) expect(reason).toBeUndefined()
    else expect(reason).toMatch(expected)
  })
})

describe('LoadBrakes on one instance (injected clock)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('takes the first full window as the baseline, writes each step once, and brakes on an in-flight cap hit', async () => {
    vi.useFakeTimers({ now: T0 })
    const { logger } = memoryLogger()
    const settings = new RuntimeSettings(runtimeTestConfig(), { logger })
    const window = new LoadWindow()
    const points: Point[] = []
    const brakes = new LoadBrakes({ settings, window, writer: { write: (p) => void points.push(...p) }, instanceId: 'gw-1', intervalMs: 1_000, logger, now: () => Date.now() })
    await settings.startLoad('users', { to: 300, step: 100, everyMs: 10_000, maxDurationMs: 600_000, reason: 'rules', by: 'alice' })
    await brakes.evaluate()
    expect(window.watching('users')).toBe(true)
    for (let i = 0; i < 30; i++) window.copyDone('users', ok(100))
    vi.setSystemTime(T0 + 1_000)
    await brakes.evaluate()
    vi.setSystemTime(T0 + 10_000)
    vi.advanceTimersByTime(0)
    for (let i = 0; i < 30; i++) window.copyDone('users', ok(120))
    await brakes.evaluate()
    expect(settings.loadRamp('users')?.state).toBe('running')
    window.copyRefused('users', 'in_flight_cap')
    vi.setSystemTime(T0 + 11_000)
    await brakes.evaluate()
    expect(settings.loadRamp('users')).toMatchObject({ state: 'braked', stopReason: 'copies hit the in-flight cap (1 refused)', by: 'alice' })
    expect(settings.mirrorPercent('users')).toBe(10)
    expect(window.watching('users')).toBe(false)
    const lines = points.map((p) => p.toLineProtocol())
    expect(lines).toEqual([
      `shadowgate_load,event=step,route=users percent=110,reason="rules" ${T0}000000`,
      `shadowgate_load,event=step,route=users percent=210,reason="rules" ${T0 + 10_000}000000`,
      `shadowgate_load,event=brake,route=users error_rate=0,percent=210,reason="copies hit the in-flight cap (1 refused)" ${T0 + 11_000}000000`,
    ])
    await brakes.evaluate()
    expect(points).toHaveLength(3)
    await brakes.close()
    await brakes.close()
    settings.close()
  })
})
