import { Registry } from 'prom-client'
import { afterAll, describe, expect, it } from 'vitest'
import { buildAuditHttpApp } from '../../../audit-service/src/http/build-audit-http-app.js'

describe('buildAuditHttpApp', () => {
  const calls: { route?: string | undefined; limit: number; sinceMs?: number | undefined }[] = []
  let healthy = true
  const app = buildAuditHttpApp({
    listMismatches: async (o) => {
      calls.push(o)
      if (o.route === 'boom') throw new Error('redis down')
      return []
    },
    registry: new Registry(),
    healthy: () => healthy,
    token: undefined,
    status: () => ({ rules: { orders: '0123456789abcdef' } }),
    now: () => 1_000_000,
  })
  afterAll(() => app.close())

  it('passes route and limit (default 20) to the store and validates limit', async () => {
    expect((await app.inject({ url: '/mismatches' })).json()).toEqual({ groups: [] })
    expect((await app.inject({ url: '/mismatches?route=orders&limit=7' })).statusCode).toBe(200)
    expect(calls).toEqual([
      { route: undefined, limit: 20, sinceMs: undefined },
      { route: 'orders', limit: 7, sinceMs: undefined },
    ])
    for (const q of ['limit=1001', 'limit=-1', 'limit=1.5', 'limit=x', 'limit=1&limit=2']) {
      const res = await app.inject({ url: `/mismatches?${q}` })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ error: { code: 'SG_AUDIT_API_BAD_REQUEST', message: expect.stringMatching(/limit/) } })
    }
    expect(calls).toHaveLength(2)
    const failed = await app.inject({ url: '/mismatches?route=boom' })
    expect(failed.statusCode).toBe(500)
    // The store's error (which may name Redis) stays in the log.
    expect(failed.json()).toEqual({ error: { code: 'SG_AUDIT_API_INTERNAL', message: 'the audit API failed to answer; see the worker log' } })
  })

  it('passes since as a time before now and rejects what is not a duration', async () => {
    calls.length = 0
    expect((await app.inject({ url: '/mismatches?since=10m' })).statusCode).toBe(200)
    expect(calls).toEqual([{ route: undefined, limit: 20, sinceMs: 1_000_000 - 600_000 }])
    for (const q of ['since=soon', 'since=0', 'since=-5m', 'since=1m&since=2m']) {
      const res = await app.inject({ url: `/mismatches?${q}` })
      expect(res.statusCode, q).toBe(400)
      expect(res.json(), q).toEqual({ error: { code: 'SG_AUDIT_API_BAD_REQUEST', message: expect.stringMatching(/since/) } })
    }
    expect(calls).toHaveLength(1)
  })

  it('answers /healthz by the worker state and /metrics from its registry', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', rules: { orders: '0123456789abcdef' } })
    healthy = false
    const res = await app.inject({ url: '/healthz' })
    expect(res.statusCode).toBe(503)
    const metrics = await app.inject({ url: '/metrics' })
    expect(metrics.statusCode).toBe(200)
    expect(metrics.headers['content-type']).toContain('text/plain')
  })

  // Regression: "DNS rebinding" (the worker's API serves mismatch samples without a token) and
  // "Fastify's own error shape": one {"error":{code,message}} shape for every refusal.
  it('refuses a Host that does not name the listener and any Origin, with stable codes', async () => {
    for (const [headers, status, code] of [
      [{ host: 'rebind.example:9902' }, 403, 'SG_AUDIT_API_HOST_NOT_ALLOWED'],
      [{ host: 'rebind.example:9902', origin: 'http://rebind.example:9902' }, 403, 'SG_AUDIT_API_HOST_NOT_ALLOWED'],
      [{ host: '127.0.0.1:9902', origin: 'http://rebind.example' }, 403, 'SG_AUDIT_API_ORIGIN_NOT_ALLOWED'],
    ] as const) {
      for (const url of ['/mismatches', '/metrics', '/nope', '/%zz']) {
        const res = await app.inject({ url, headers })
        expect({ url, headers, status: res.statusCode }).toEqual({ url, headers, status })
        expect(res.json()).toEqual({ error: { code, message: expect.any(String) } })
      }
    }
    expect((await app.inject({ url: '/mismatches', headers: { host: '[::1]:9902' } })).statusCode).toBe(200)
    expect((await app.inject({ url: '/healthz', headers: { host: 'lb-probe.example' } })).statusCode).toBe(503)
  })

  it('serves worker.http.allowedHosts and allowedOrigins', async () => {
    const open = buildAuditHttpApp({ listMismatches: async () => [], registry: new Registry(), healthy: () => true, token: undefined, access: { boundHost: '0.0.0.0', allowedHosts: ['audit.internal'], allowedOrigins: ['https://ops.example'] } })
    try {
      expect((await open.inject({ url: '/mismatches', headers: { host: 'audit.internal:9902', origin: 'https://ops.example' } })).statusCode).toBe(200)
      expect((await open.inject({ url: '/mismatches', headers: { host: '0.0.0.0:9902' } })).statusCode).toBe(403)
    } finally {
      await open.close()
    }
  })

  it('answers unknown paths and bad URLs in the same shape', async () => {
    const missing = await app.inject({ url: '/nope' })
    expect([missing.statusCode, missing.json()]).toEqual([404, { error: { code: 'SG_AUDIT_API_NOT_FOUND', message: expect.stringMatching(/^no endpoint GET \/nope/) } }])
    const bad = await app.inject({ url: '/mismatches%zz' })
    expect([bad.statusCode, bad.json()]).toEqual([400, { error: { code: 'SG_AUDIT_API_BAD_REQUEST', message: expect.stringMatching(/not a valid URL/) } }])
  })

  it('without worker.http.token serves loopback callers only', async () => {
    expect((await app.inject({ url: '/mismatches', remoteAddress: '127.0.0.1' })).statusCode).toBe(200)
    const remote = await app.inject({ url: '/mismatches', remoteAddress: '10.1.2.3' })
    expect(remote.statusCode).toBe(401)
    expect((await app.inject({ url: '/metrics', remoteAddress: '10.1.2.3' })).statusCode).toBe(401)
  })
})

describe('worker.http.token: the audit HTTP API wants the same bearer token rule as the admin API', () => {
  const TOKEN = 'audit-7d1e0c4b9a2f5e83'
  const app = buildAuditHttpApp({ listMismatches: async () => [], registry: new Registry(), healthy: () => true, token: TOKEN })
  afterAll(() => app.close())

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer audit-7d1e0c4b9a2f5e84' }],
    ['the token without Bearer', { authorization: TOKEN }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('refuses %s with 401, from loopback too', async (_what, headers: Record<string, string>) => {
    for (const url of ['/mismatches', '/metrics', '/nothing-here']) {
      const res = await app.inject({ url, headers, remoteAddress: '127.0.0.1' })
      expect(res.statusCode, url).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="shadowgate-audit"')
      expect(res.json()).toEqual({ error: { code: 'SG_AUDIT_API_UNAUTHORIZED', message: expect.stringMatching(/bearer token/) } })
    }
  })

  it('serves the right token from anywhere and /healthz to everyone', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` }
    expect((await app.inject({ url: '/mismatches', headers, remoteAddress: '10.1.2.3' })).json()).toEqual({ groups: [] })
    expect((await app.inject({ url: '/metrics', headers, remoteAddress: '10.1.2.3' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/healthz', remoteAddress: '10.1.2.3' })).statusCode).toBe(200)
  })
})
