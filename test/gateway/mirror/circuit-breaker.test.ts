import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from '../../../gateway/src/mirror/circuit-breaker.js'
import type { CircuitState } from '../../../gateway/src/metrics/gateway-metrics.js'

function breaker(): { b: CircuitBreaker; changes: CircuitState[]; advance(ms: number): void } {
  let now = 0
  const changes: CircuitState[] = []
  const b = new CircuitBreaker({ consecutiveFailures: 3, openMs: 1_000, onStateChange: (s) => changes.push(s), now: () => now })
  return { b, changes, advance: (ms) => (now += ms) }
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures; a success in between resets the count', () => {
    const { b, changes } = breaker()
    b.record('pass', 'failure')
    b.record('pass', 'failure')
    b.record('pass', 'success')
    b.record('pass', 'failure')
    b.record('pass', 'failure')
    expect(b.state).toBe('closed')
    b.record('pass', 'failure')
    expect(b.state).toBe('open')
    expect(b.tryAcquire()).toBeUndefined()
    expect(changes).toEqual(['open'])
  })

  it('lets exactly one probe through after openMs; its success closes the circuit', () => {
    const { b, changes, advance } = breaker()
    for (let i = 0; i < 3; i++) b.record('pass', 'failure')
    advance(999)
    expect(b.tryAcquire()).toBeUndefined()
    advance(1)
    expect(b.tryAcquire()).toBe('probe')
    expect(b.state).toBe('half_open')
    expect(b.tryAcquire()).toBeUndefined()
    b.record('probe', 'success')
    expect(b.state).toBe('closed')
    expect(b.tryAcquire()).toBe('pass')
    expect(changes).toEqual(['open', 'half_open', 'closed'])
  })

  it('re-opens when the probe fails, and waits openMs again', () => {
    const { b, advance } = breaker()
    for (let i = 0; i < 3; i++) b.record('pass', 'failure')
    advance(1_000)
    expect(b.tryAcquire()).toBe('probe')
    b.record('probe', 'failure')
    expect(b.state).toBe('open')
    advance(500)
    expect(b.tryAcquire()).toBeUndefined()
    advance(500)
    expect(b.tryAcquire()).toBe('probe')
  })

  it('grants a new probe when the previous one ended without a verdict', () => {
    const { b, advance } = breaker()
    for (let i = 0; i < 3; i++) b.record('pass', 'failure')
    advance(1_000)
    expect(b.tryAcquire()).toBe('probe')
    b.record('probe', 'neutral')
    expect(b.tryAcquire()).toBe('probe')
  })

  it('ignores late results of calls sent before the circuit opened', () => {
    const { b, advance } = breaker()
    for (let i = 0; i < 3; i++) b.record('pass', 'failure')
    b.record('pass', 'success')
    expect(b.state).toBe('open')
    advance(1_000)
    expect(b.tryAcquire()).toBe('probe')
    b.record('pass', 'success')
    b.record('pass', 'failure')
    expect(b.state).toBe('half_open')
  })
})
