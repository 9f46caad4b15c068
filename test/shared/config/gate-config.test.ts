import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_GATE, validateConfig } from '@shadowgate/shared'

const BASE = { primary: 'http://127.0.0.1:3000', shadow: 'http://127.0.0.1:3001' }

function gateOf(gate: unknown, top: Record<string, unknown> = BASE): unknown {
  return validateConfig({ ...top, routes: [{ name: 'items', match: '/items/*', gate }] }).routes[0]?.gate
}

function errorOf(gate: unknown, top: Record<string, unknown> = BASE): string {
  try {
    gateOf(gate, top)
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('routes[].gate', () => {
  it('is absent unless set, and an empty gate takes every default', () => {
    expect(validateConfig({ ...BASE, routes: [{ name: 'items', match: '/items/*' }] }).routes[0]?.gate).toBeUndefined()
    expect(gateOf({})).toEqual({ ...DEFAULT_GATE, steps: [1, 5, 10, 25, 50, 100], webhook: undefined })
    expect(DEFAULT_GATE).toMatchObject({ intervalMs: 30_000, minComparisons: 200, maxMismatchRate: 0.01, failureLimit: 3, stepMinDurationMs: 300_000, stepMinComparisons: 1_000, auto: true, autoPromote: false })
  })

  it('reads every key', () => {
    expect(
      gateOf({ auto: false, autoPromote: true, interval: '10s', minComparisons: 50, maxMismatchRate: 0.05, max5xxRate: 0.01, max5xxFactor: 3, abort5xxRate: 0.2, maxLatencyFactor: 1.5, latencySlack: '20ms', failureLimit: 5, inconclusiveLimit: 4, steps: [10, 50], stepMinDuration: '1m', stepMinComparisons: 10, webhook: 'https://hooks.example/gate', webhookTimeout: '2s' }),
    ).toEqual({ auto: false, autoPromote: true, intervalMs: 10_000, minComparisons: 50, maxMismatchRate: 0.05, max5xxRate: 0.01, max5xxFactor: 3, abort5xxRate: 0.2, maxLatencyFactor: 1.5, latencySlackMs: 20, failureLimit: 5, inconclusiveLimit: 4, steps: [10, 50], stepMinDurationMs: 60_000, stepMinComparisons: 10, webhook: 'https://hooks.example/gate', webhookTimeoutMs: 2_000 })
  })

  it.each([
    [{ steps: [5, 5] }, 'routes[0].gate.steps[1] must be above the step before it (5)'],
    [{ steps: [0, 5] }, 'routes[0].gate.steps[0] must be a percent above 0 and at most 100'],
    [{ steps: [] }, 'routes[0].gate.steps must list 1 to 100 serve percents'],
    [{ maxMismatchRate: 1.5 }, 'routes[0].gate.maxMismatchRate must be between 0 and 1'],
    [{ minComparisons: 0 }, 'routes[0].gate.minComparisons must be at least 1'],
    [{ failureLimit: 1.5 }, 'routes[0].gate.failureLimit must be a whole number'],
    [{ interval: '10ms' }, 'routes[0].gate.interval must be at least 100'],
    [{ webhook: 'ftp://x' }, 'routes[0].gate.webhook must use http:// or https://'],
    [{ treshold: 1 }, 'routes[0].gate.treshold is not a known option'],
  ])('refuses %j', (gate, message) => {
    expect(errorOf(gate)).toContain(message)
  })

  it('needs a new side', () => {
    expect(errorOf({}, { primary: 'http://127.0.0.1:3000' })).toContain('is required when the route has a gate')
  })
})
