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
      expect(res.json()).toMatchObject({ error: 'bad_request' })
    }
    expect(calls).toHaveLength(2)
    expect((await app.inject({ url: '/mismatches?route=boom' })).statusCode).toBe(500)
  })

  it('passes since as a time before now and rejects what is not a duration', async () => {
    calls.length = 0
    expect((await app.inject({ url: '/mismatches?since=10m' })).statusCode).toBe(200)
    expect(calls).toEqual([{ route: undefined, limit: 20, sinceMs: 1_000_000 - 600_000 }])
    for (const q of ['since=soon', 'since=0', 'since=-5m', 'since=1m&since=2m']) {
      const res = await app.inject({ url: `/mismatches?${q}` })
      expect(res.statusCode, q).toBe(400)
      expect(res.json().message, q).toMatch(/since/)
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
})
