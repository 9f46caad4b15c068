import { parseConfig } from '@shadowgate/shared'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextRampChange, rampPercent, type LoadRamp } from '../../../gateway/src/runtime/load-ramp.js'
import type { LoadStart } from '../../../gateway/src/runtime/load-start.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { decodeStoredSetting, encodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'
import { memoryLogger, runtimeTestConfig } from './runtime-test-config.js'

const MIN = 60_000
const T0 = 1_700_000_000_000

function ramp(over: Partial<LoadRamp> = {}): LoadRamp {
  return { from: 10, to: 300, step: 50, everyMs: MIN, startedAt: T0, endsAt: T0 + 30 * MIN, reason: 'test', by: 'alice', state: 'running', stoppedAt: null, stopReason: null, stoppedPercent: null, figures: null, ...over }
}

function start(over: Partial<LoadStart> = {}): LoadStart {
  return { to: 300, step: 50, everyMs: MIN, maxDurationMs: 30 * MIN, reason: 'capacity test', by: 'alice', ...over }
}

describe('load ramp schedule', () => {
  it('climbs by step from the previous percent, the first step at once, and stops at the target', () => {
    const r = ramp()
    expect([0, MIN - 1, MIN, 2 * MIN, 5 * MIN, 6 * MIN, 29 * MIN].map((t) => rampPercent(r, T0 + t))).toEqual([60, 60, 110, 160, 300, 300, 300])
    expect(rampPercent(r, T0 + 30 * MIN)).toBeUndefined()
    expect(rampPercent({ ...r, state: 'braked' }, T0)).toBeUndefined()
  })

  it('names the next change: the next step, then the end', () => {
    const r = ramp()
    expect(nextRampChange(r, T0 + 10)).toBe(T0 + MIN)
    expect(nextRampChange(r, T0 + 5 * MIN)).toBe(T0 + 30 * MIN)
    expect(nextRampChange(r, T0 + 30 * MIN)).toBeUndefined()
  })

  it('round-trips through the stored setting and refuses a stored ramp the admin API could not have started', () => {
    const raw = encodeStoredSetting({ percent: 10, expiresAt: null, revertTo: null, updatedAt: T0, by: 'alice', load: ramp() })
    expect(decodeStoredSetting(raw, 1_000)?.load).toEqual(ramp())
    for (const bad of [{ step: 0 }, { step: -5 }, { to: 1_001 }, { everyMs: 0 }, { endsAt: T0 - 1 }, { endsAt: T0 + 2 * 86_400_000 }, { state: 'exploded' }, { figures: { p99Ms: 'x' } }]) {
      const text = JSON.stringify({ percent: 10, expiresAt: null, revertTo: null, updatedAt: T0, by: 'alice', load: { ...ramp(), ...bad } })
      expect(decodeStoredSetting(text, 1_000), JSON.stringify(bad)).toBeUndefined()
    }
    // A setting without a ramp encodes as before: existing stored values compare equal.
    expect(encodeStoredSetting({ percent: 5, expiresAt: null, revertTo: null, updatedAt: 1, by: 'x' })).toBe('{"percent":5,"expiresAt":null,"revertTo":null,"updatedAt":1,"by":"x"}')
  })
})

describe('RuntimeSettings load ramps', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('steps on its own clock and logs each step; stop returns to the previous percent, once', async () => {
    vi.useFakeTimers({ now: T0 })
    const { logger, lines } = memoryLogger()
    const s = new RuntimeSettings(runtimeTestConfig(), { logger })
    const load = await s.startLoad('users', start())
    expect(load).toMatchObject({ from: 10, to: 300, state: 'running', startedAt: T0, endsAt: T0 + 30 * MIN })
    expect(s.mirrorPercent('users')).toBe(60)
    vi.advanceTimersByTime(MIN)
    expect(s.mirrorPercent('users')).toBe(110)
    vi.advanceTimersByTime(10 * MIN)
    expect(s.mirrorPercent('users')).toBe(300)
    expect(lines.filter((l) => l['msg'] === 'load ramp step').map((l) => l['new'])).toEqual([110, 160, 210, 260, 300])
    const stopped = await s.stopLoad('users', { state: 'stopped', reason: 'load stop', by: 'bob' })
    expect(stopped).toMatchObject({ stopped: true, load: { state: 'stopped', stoppedPercent: 300, stopReason: 'load stop' } })
    expect(s.mirrorPercent('users')).toBe(10)
    // Idempotent: nothing runs, nothing is written, the ended ramp is reported.
    expect(await s.stopLoad('users', { state: 'braked', reason: 'late brake', by: 'gw' })).toMatchObject({ stopped: false, load: { state: 'stopped', stopReason: 'load stop' } })
    s.close()
  })

  it('ends by itself at its max duration and returns to the previous percent', async () => {
    vi.useFakeTimers({ now: T0 })
    const s = new RuntimeSettings(runtimeTestConfig())
    await s.setMirror('users', 40)
    await s.startLoad('users', start({ to: 200, maxDurationMs: 3 * MIN }))
    expect(s.mirrorPercent('users')).toBe(90)
    vi.advanceTimersByTime(3 * MIN)
    expect(s.mirrorPercent('users')).toBe(40)
    await vi.advanceTimersByTimeAsync(0)
    expect(s.loadRamp('users')).toMatchObject({ state: 'expired', stopReason: 'max duration reached', stoppedAt: T0 + 3 * MIN, stoppedPercent: 190 })
    s.close()
  })

  it('accepts percents up to mirror.maxAmplification × 100', async () => {
    const s = new RuntimeSettings(runtimeTestConfig('mirror: { maxAmplification: 3 }'))
    expect(s.maxPercent).toBe(300)
    await s.setMirror('users', 300)
    expect(s.mirrorPercent('users')).toBe(300)
    await expect(s.setMirror('users', 301)).rejects.toMatchObject({ code: 'SG_PERCENT_ABOVE_MAX', message: expect.stringMatching(/percent 301 is above the maximum 300/) })
    s.close()
  })

  it('refuses bad ramps with stable codes and changes nothing', async () => {
    const s = new RuntimeSettings(runtimeTestConfig())
    await expect(s.startLoad('users', start({ to: 1_001 }))).rejects.toMatchObject({ code: 'SG_PERCENT_ABOVE_MAX', statusCode: 400 })
    await expect(s.startLoad('users', start({ step: 0 }))).rejects.toMatchObject({ code: 'SG_INVALID_LOAD_RAMP', statusCode: 400, message: expect.stringMatching(/step must be a percent above 0/) })
    await expect(s.startLoad('users', start({ step: -10 }))).rejects.toMatchObject({ code: 'SG_INVALID_LOAD_RAMP' })
    await expect(s.startLoad('users', start({ to: 10 }))).rejects.toMatchObject({ code: 'SG_INVALID_LOAD_RAMP', message: expect.stringMatching(/to \(10\) must be above the percent in force/) })
    await expect(s.startLoad('nope', start())).rejects.toMatchObject({ code: 'SG_UNKNOWN_ROUTE' })
    expect(s.mirrorPercent('users')).toBe(10)
    expect(s.loadRamp('users')).toBeNull()
    await s.startLoad('users', start())
    await expect(s.startLoad('users', start({ to: 500 }))).rejects.toMatchObject({ code: 'SG_LOAD_RAMP_ACTIVE', statusCode: 409 })
    expect(s.loadRamp('users')?.to).toBe(300)
    s.close()
  })

  it('refuses a ramp on a route without a shadow', async () => {
    const config = parseConfig('primary: http://127.0.0.1:9\nroutes:\n  - name: lonely\n    match: /x\n')
    const s = new RuntimeSettings(config)
    await expect(s.startLoad('lonely', start())).rejects.toMatchObject({ code: 'SG_LOAD_NO_SHADOW', statusCode: 409, message: expect.stringMatching(/route "lonely" has no shadow/) })
    s.close()
  })

  it('a mirror change during a ramp sets the percent the route returns to', async () => {
    vi.useFakeTimers({ now: T0 })
    const s = new RuntimeSettings(runtimeTestConfig())
    await s.startLoad('users', start())
    await s.setMirror('users', 20)
    expect(s.mirrorPercent('users')).toBe(60)
    await s.stopLoad('users', { state: 'stopped', reason: 'load stop', by: 'bob' })
    expect(s.mirrorPercent('users')).toBe(20)
    s.close()
  })
})
