import { Registry } from 'prom-client'
import { afterAll, describe, expect, it } from 'vitest'
import { buildAuditHttpApp } from '../../../audit-service/src/http/build-audit-http-app.js'

describe('buildAuditHttpApp', () => {
  const calls: { route?: string | undefined; limit: number }[] = []
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
  })
  afterAll(() => app.close())

  it('passes route and limit (default 20) to the store and validates limit', async () => {
    expect((await app.inject({ url: '/mismatches' })).json()).toEqual({ groups: [] })
    expect((await app.inject({ url: '/mismatches?route=orders&limit=7' })).statusCode).toBe(200)
    expect(calls).toEqual([
      { route: undefined, limit: 20 },
      { route: 'orders', limit: 7 },
    ])
    for (const q of ['limit=1001', 'limit=-1', 'limit=1.5', 'limit=x', 'limit=1&limit=2']) {
      const res = await app.inject({ url: `/mismatches?${q}` })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ error: 'bad_request' })
    }
    expect(calls).toHaveLength(2)
    expect((await app.inject({ url: '/mismatches?route=boom' })).statusCode).toBe(500)
  })

  it('answers /healthz by the worker state and /metrics from its registry', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' })
    healthy = false
    const res = await app.inject({ url: '/healthz' })
    expect(res.statusCode).toBe(503)
    const metrics = await app.inject({ url: '/metrics' })
    expect(metrics.statusCode).toBe(200)
    expect(metrics.headers['content-type']).toContain('text/plain')
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
      expect(res.json()).toEqual({ error: 'unauthorized', message: 'a valid bearer token is required' })
    }
  })

  it('serves the right token from anywhere and /healthz to everyone', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` }
    expect((await app.inject({ url: '/mismatches', headers, remoteAddress: '10.1.2.3' })).json()).toEqual({ groups: [] })
    expect((await app.inject({ url: '/metrics', headers, remoteAddress: '10.1.2.3' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/healthz', remoteAddress: '10.1.2.3' })).statusCode).toBe(200)
  })
})
