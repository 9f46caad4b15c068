import { validateConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'

// The keys of the access audit, the slow log and the access log: defaults, forms and bad values.

const base = { primary: 'http://127.0.0.1:1' }

describe('access, slowLog, accessLog, readOnly and slowThreshold', () => {
  it('defaults: 200 callers per route, 1000 slow entries for 24h, no access log, 10s threshold, not read-only', () => {
    const c = validateConfig({ ...base, routes: [{ name: 'r', match: '/*' }] })
    expect(c.access).toEqual({ apiKeyHeader: undefined, maxCallersPerRoute: 200 })
    expect(c.slowLog).toEqual({ size: 1_000, ttlMs: 86_400_000 })
    expect(c.accessLog).toEqual({ enabled: false, sample: 1 })
    expect(c.routes[0]).toMatchObject({ readOnly: false, slowThreshold: { kind: 'absolute', ms: 10_000 } })
  })

  it('reads a threshold as a duration or a factor of the recent p99, and the API key header lower-cased', () => {
    const c = validateConfig({
      ...base,
      access: { apiKeyHeader: 'X-Api-Key', maxCallersPerRoute: 5 },
      accessLog: { enabled: true, sample: 0.25 },
      routes: [
        { name: 'a', match: '/a/*', slowThreshold: '2x', readOnly: true },
        { name: 'b', match: '/b/*', slowThreshold: '1.5x' },
        { name: 'c', match: '/c/*', slowThreshold: '750ms' },
        { name: 'd', match: '/d/*', slowThreshold: 3000 },
      ],
    })
    expect(c.access.apiKeyHeader).toBe('x-api-key')
    expect(c.routes.map((r) => r.slowThreshold)).toEqual([
      { kind: 'relative', factor: 2 },
      { kind: 'relative', factor: 1.5 },
      { kind: 'absolute', ms: 750 },
      { kind: 'absolute', ms: 3_000 },
    ])
    expect(c.routes[0]?.readOnly).toBe(true)
  })

  it.each([
    [{ routes: [{ name: 'a', match: '/*', slowThreshold: '0x' }] }, "routes[0].slowThreshold must be a duration such as 10s or a factor of the route's recent p99 such as 2x"],
    [{ routes: [{ name: 'a', match: '/*', slowThreshold: 'slow' }] }, "routes[0].slowThreshold must be a duration such as 10s or a factor of the route's recent p99 such as 2x"],
    [{ access: { maxCallersPerRoute: 0 } }, 'access.maxCallersPerRoute'],
    [{ access: { apiKeyHeader: 'bad header' } }, 'access.apiKeyHeader must be a valid header name'],
    [{ slowLog: { size: 0 } }, 'slowLog.size'],
    [{ slowLog: { ttl: '10ms' } }, 'slowLog.ttl'],
    [{ accessLog: { sample: 1.5 } }, 'accessLog.sample'],
    [{ routes: [{ name: 'a', match: '/*', readOnly: 'yes' }] }, 'routes[0].readOnly'],
  ])('refuses %j, naming the key', (extra, message) => {
    expect(() => validateConfig({ ...base, ...extra })).toThrow(message)
  })
})
