import { ConfigError, validateConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'

const MINIMAL = { primary: 'http://p', shadow: 'http://s' }

describe('config: mirror.maxAmplification and load.*', () => {
  it('defaults to 10 copies (1000 %), a 10 s brake interval and a 30 m ramp', () => {
    const c = validateConfig(MINIMAL)
    expect(c.mirror.maxAmplification).toBe(10)
    expect(c.load).toEqual({ intervalMs: 10_000, maxDurationMs: 1_800_000 })
  })

  it('reads durations and bounds', () => {
    const c = validateConfig({ ...MINIMAL, mirror: { maxAmplification: 3 }, load: { interval: '500ms', maxDuration: '2h' } })
    expect(c.mirror.maxAmplification).toBe(3)
    expect(c.load).toEqual({ intervalMs: 500, maxDurationMs: 7_200_000 })
  })

  it.each([
    [{ mirror: { maxAmplification: 0 } }, 'mirror.maxAmplification'],
    [{ mirror: { maxAmplification: 101 } }, 'mirror.maxAmplification'],
    [{ mirror: { maxAmplification: 2.5 } }, 'mirror.maxAmplification'],
    [{ load: { interval: '50ms' } }, 'load.interval'],
    [{ load: { maxDuration: '2d' } }, 'load.maxDuration'],
    [{ load: { intervall: '1s' } }, 'load.intervall'],
  ])('refuses %j naming %s', (extra, key) => {
    let err: unknown
    try {
      validateConfig({ ...MINIMAL, ...extra })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).message).toContain(key)
  })
})
