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
})
