import type { IncomingMessage } from 'node:http'
import { validateConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { AccessCounts, OTHER_CALLER, statusClassOf } from '../../../gateway/src/metrics/access-counts.js'
import { ANONYMOUS_CALLER, CallerResolver } from '../../../gateway/src/metrics/caller-resolver.js'

describe('AccessCounts', () => {
  it('counts route x caller x method x status class, and the next window starts empty', () => {
    const counts = new AccessCounts(10)
    for (let i = 0; i < 3; i++) counts.record('orders', 'alice', 'GET', 200)
    counts.record('orders', 'alice', 'GET', 404)
    counts.record('orders', 'bob', 'PURGE', 503)
    counts.record('users', 'alice', 'POST', 201)
    expect(counts.drain()).toEqual([
      { route: 'orders', caller: 'alice', method: 'GET', statusClass: '2xx', count: 3 },
      { route: 'orders', caller: 'alice', method: 'GET', statusClass: '4xx', count: 1 },
      { route: 'orders', caller: 'bob', method: 'OTHER', statusClass: '5xx', count: 1 },
      { route: 'users', caller: 'alice', method: 'POST', statusClass: '2xx', count: 1 },
    ])
    expect(counts.drain()).toEqual([])
  })

  it('counts callers beyond the per-route bound as (other), per route and per window', () => {
    const counts = new AccessCounts(2)
    for (const caller of ['a', 'b', 'c', 'd', 'a']) counts.record('orders', caller, 'GET', 200)
    counts.record('users', 'c', 'GET', 200)
    const rows = counts.drain()
    expect(rows.map((r) => `${r.route}/${r.caller}=${r.count}`)).toEqual(['orders/a=2', 'orders/b=1', `orders/${OTHER_CALLER}=2`, 'users/c=1'])
    counts.record('orders', 'd', 'GET', 200)
    expect(counts.drain().map((r) => r.caller)).toEqual(['d'])
  })

  it('classes statuses as HTTP does, anything outside 100-599 as other', () => {
    expect([100, 204, 301, 499, 599, 600, 0].map(statusClassOf)).toEqual(['1xx', '2xx', '3xx', '4xx', '5xx', 'other', 'other'])
  })
})

describe('CallerResolver', () => {
  const config = validateConfig({ primary: 'http://127.0.0.1:1', audit: { identityHeader: 'X-Caller' }, access: { apiKeyHeader: 'X-Api-Key' } })
  const callers = new CallerResolver(config)
  const headers = (h: Record<string, string>): IncomingMessage['headers'] => h

  it('names the caller by the identity header, else a hash of the API key, else (anonymous)', () => {
    expect(callers.callerOf(headers({ 'x-caller': 'billing', 'x-api-key': 'k' }))).toBe('billing')
    const key = callers.callerOf(headers({ 'x-api-key': 'sk_live_123' }))
    expect(key).toMatch(/^key:[0-9a-f]{16}$/)
    expect(key).not.toContain('sk_live')
    expect(callers.callerOf(headers({ 'x-api-key': 'sk_live_123' }))).toBe(key)
    expect(callers.callerOf(headers({ 'x-api-key': 'sk_live_456' }))).not.toBe(key)
    expect(callers.callerOf(headers({}))).toBe(ANONYMOUS_CALLER)
  })

  it('hashes an identity that is long, not plain text, or a redacted header', () => {
    expect(callers.callerOf(headers({ 'x-caller': 'a'.repeat(129) }))).toMatch(/^id:[0-9a-f]{16}$/)
    expect(callers.callerOf(headers({ 'x-caller': 'two words' }))).toMatch(/^id:[0-9a-f]{16}$/)
    const redacted = new CallerResolver(validateConfig({ primary: 'http://127.0.0.1:1', audit: { identityHeader: 'authorization' } }))
    expect(redacted.callerOf(headers({ authorization: 'Bearer secret' }))).toMatch(/^id:[0-9a-f]{16}$/)
  })
})
