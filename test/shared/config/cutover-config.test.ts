import { describe, expect, it } from 'vitest'
import { ConfigError, validateConfig } from '@shadowgate/shared'

const BASE = { primary: 'http://127.0.0.1:3000' }

function errorOf(cutover: Record<string, unknown>): string {
  try {
    validateConfig({ ...BASE, cutover })
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('cutover config', () => {
  it('has the documented defaults', () => {
    expect(validateConfig(BASE).cutover).toEqual({ maxHeldRequests: 1_000, maxHeldBytes: 32 * 1_048_576, ackTimeoutMs: 500, maxPauseMs: 1_000, minTimeBetweenFlipsMs: 60_000 })
  })

  it('takes durations and bounds', () => {
    const c = validateConfig({ ...BASE, cutover: { maxHeldRequests: 50, maxHeldBytes: 4096, ackTimeout: '200ms', maxPause: '2s', minTimeBetweenFlips: '0s' } }).cutover
    expect(c).toEqual({ maxHeldRequests: 50, maxHeldBytes: 4096, ackTimeoutMs: 200, maxPauseMs: 2_000, minTimeBetweenFlipsMs: 0 })
  })

  it('names what is wrong', () => {
    expect(errorOf({ ackTimeout: '1s', maxPause: '1s' })).toBe('cutover.ackTimeout must be shorter than cutover.maxPause (1000 ms)')
    expect(errorOf({ maxHeldRequests: 0 })).toMatch(/^cutover\.maxHeldRequests /)
    expect(errorOf({ maxHeldBytes: 1.5 })).toMatch(/^cutover\.maxHeldBytes /)
    expect(errorOf({ maxPause: '1h' })).toMatch(/^cutover\.maxPause /)
    expect(errorOf({ pause: '1s' })).toBe('cutover.pause is not a known option')
  })
})
