import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildAdmin } from '../../../gateway/src/admin/build-admin.js'
import { GatewayMetrics } from '../../../gateway/src/metrics/gateway-metrics.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { waitFor } from '@shadowgate/dev-helpers'
import { runtimeTestConfig } from '../runtime/runtime-test-config.js'

const TOKEN = 'admin-secret-token'

describe('admin API', () => {
  let app: FastifyInstance | undefined
  let settings: RuntimeSettings | undefined
  afterEach(async () => {
    await app?.close()
    settings?.close()
    app = undefined
  })

  async function start(opts: { token?: boolean; ready?: () => boolean } = {}): Promise<{ url: string; metrics: GatewayMetrics; settings: RuntimeSettings }> {
    const config = runtimeTestConfig(opts.token === false ? '' : `admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }`)
    const metrics = new GatewayMetrics()
    settings = new RuntimeSettings(config)
    app = await buildAdmin({ config, settings, metrics, ready: opts.ready })
    await app.listen({ host: '127.0.0.1', port: 0 })
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, metrics, settings }
  }

  const auth = { authorization: `Bearer ${TOKEN}` }

  it('serves /healthz and /readyz without a token', async () => {
    let up = false
    const { url } = await start({ ready: () => up })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const notReady = await fetch(`${url}/readyz`)
    expect(notReady.status).toBe(503)
    expect(await notReady.json()).toEqual({ ready: false, runtimeStore: 'disabled' })
    up = true
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
  })

  it('refuses missing and wrong tokens with SG_ADMIN_UNAUTHORIZED', async () => {
    const { url } = await start()
    const variants: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }]
    for (const headers of variants) {
      for (const path of ['/routes', '/metrics', '/no-such-endpoint']) {
        const res = await fetch(`${url}${path}`, { headers })
        expect(res.status).toBe(401)
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
        expect(await res.json()).toEqual({ error: { code: 'SG_ADMIN_UNAUTHORIZED', message: 'a valid bearer token is required' } })
      }
    }
    const put = await fetch(`${url}/routes/users/mirror`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"percent":50}' })
    expect(put.status).toBe(401)
    expect(settings?.mirrorPercent('users')).toBe(10)
  })

  it('lists routes with their percent and counters', async () => {
    const { url, metrics } = await start()
    metrics.request('users')
    metrics.request('users')
    metrics.mirrored('users')
    metrics.notMirrored('users', 'not_sampled')
    const res = await fetch(`${url}/routes`, { headers: auth })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { routes: Record<string, unknown>[] }
    expect(body.routes).toHaveLength(2)
    expect(body.routes[0]).toMatchObject({
      name: 'users',
      match: '/users/*',
      percent: 10,
      configuredPercent: 10,
      expiresAt: null,
      revertTo: null,
      primary: 'http://127.0.0.1:9',
      shadow: 'http://127.0.0.1:10',
      counters: { requests: 2, mirrored: 1, shadowErrors: 0 },
    })
    expect((body.routes[0]?.['counters'] as { notMirrored: Record<string, number> }).notMirrored['not_sampled']).toBe(1)
    expect(body.routes[1]).toMatchObject({ name: 'orders', percent: 0, counters: { requests: 0, mirrored: 0 } })
    const one = await fetch(`${url}/routes/orders`, { headers: auth })
    expect(((await one.json()) as { route: { name: string } }).route.name).toBe('orders')
  })

  it('sets a percent with a ttl, lists it, and reverts it', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/routes/users/mirror`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json', 'x-shadowgate-actor': 'carol' },
      body: JSON.stringify({ percent: 40, ttl: '300ms' }),
    })
    expect(res.status).toBe(200)
    const { change } = (await res.json()) as { change: Record<string, unknown> }
    expect(change).toMatchObject({ route: 'users', old: 10, new: 40, ttlMs: 300, revertTo: 10, by: 'carol@127.0.0.1' })
    expect(typeof change['expiresAt']).toBe('string')
    const listed = (await (await fetch(`${url}/routes/users`, { headers: auth })).json()) as { route: Record<string, unknown> }
    expect(listed.route).toMatchObject({ percent: 40, configuredPercent: 10, revertTo: 10, expiresAt: change['expiresAt'], updatedBy: 'carol@127.0.0.1' })
    await waitFor(async () => {
      const r = (await (await fetch(`${url}/routes/users`, { headers: auth })).json()) as { route: { percent: number; expiresAt: string | null } }
      return r.route.percent === 10 && r.route.expiresAt === null
    }, 5_000, 'the ttl revert through the admin API')
  })

  it('resets a route to the config file', async () => {
    const { url } = await start()
    await fetch(`${url}/routes/users/mirror`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"percent":0}' })
    expect(settings?.mirrorPercent('users')).toBe(0)
    const res = await fetch(`${url}/routes/users/mirror`, { method: 'DELETE', headers: auth })
    expect(((await res.json()) as { change: unknown }).change).toMatchObject({ old: 0, new: 10 })
    expect(settings?.mirrorPercent('users')).toBe(10)
  })

  it('answers bad changes with stable codes and changes nothing', async () => {
    const { url } = await start()
    const put = (name: string, body: string, contentType = 'application/json'): Promise<Response> =>
      fetch(`${url}/routes/${name}/mirror`, { method: 'PUT', headers: { ...auth, 'content-type': contentType }, body })
    const cases: [string, string, string, number, string, RegExp][] = [
      ['nope', '{"percent":5}', 'application/json', 404, 'SG_UNKNOWN_ROUTE', /no route rule is named "nope"/],
      ['users', '{"percent":1001}', 'application/json', 400, 'SG_PERCENT_ABOVE_MAX', /percent 1001 is above the maximum 1000 \(mirror.maxAmplification × 100\)/],
      ['users', '{"percent":-1}', 'application/json', 400, 'SG_INVALID_SETTING', /percent/],
      ['users', '{"percent":"50"}', 'application/json', 400, 'SG_INVALID_SETTING', /percent/],
      ['users', '{}', 'application/json', 400, 'SG_INVALID_SETTING', /percent is required/],
      ['users', '{"percent":5,"ttl":"soon"}', 'application/json', 400, 'SG_INVALID_SETTING', /ttl must be a positive duration/],
      ['users', '{"percent":5,"ttl":0}', 'application/json', 400, 'SG_INVALID_SETTING', /ttl/],
      // Unbounded, these stored an expiry beyond the Date range that crashed every instance reading it.
      ['users', '{"percent":50,"ttl":"99999999999d"}', 'application/json', 400, 'SG_INVALID_SETTING', /ttl must be at most 30d \(2592000000 ms\)/],
      ['users', '{"percent":50,"ttl":1e16}', 'application/json', 400, 'SG_INVALID_SETTING', /ttl must be at most 30d/],
      ['users', '{"percent":50,"ttl":"30.5d"}', 'application/json', 400, 'SG_INVALID_SETTING', /ttl must be at most 30d/],
      ['users', '{"percent":5,"tll":"1m"}', 'application/json', 400, 'SG_INVALID_SETTING', /unknown field "tll"/],
      ['users', '{"percent":', 'application/json', 400, 'SG_INVALID_SETTING', /JSON/],
      ['users', 'percent=5', 'text/plain', 400, 'SG_INVALID_SETTING', /JSON/],
      ['users', '[5]', 'application/json', 400, 'SG_INVALID_SETTING', /object/],
    ]
    for (const [name, body, ct, status, code, message] of cases) {
      const res = await put(name, body, ct)
      const json = (await res.json()) as { error: { code: string; message: string } }
      expect([res.status, json.error.code], `${name} ${body}`).toEqual([status, code])
      expect(json.error.message).toMatch(message)
    }
    expect(settings?.mirrorPercent('users')).toBe(10)
    const missing = await fetch(`${url}/nothing-here`, { headers: auth })
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('SG_ADMIN_NOT_FOUND')
  })

  it('exposes the Prometheus series', async () => {
    const { url, metrics } = await start()
    metrics.request('users')
    metrics.mirrored('users')
    metrics.notMirrored('orders', 'method')
    metrics.shadowDone('users', 0.02)
    metrics.shadowDone('users', 0.5, 'timeout')
    metrics.circuitState('users', 'open')
    const res = await fetch(`${url}/metrics`, { headers: auth })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain('shadowgate_requests_total{route="users"} 1')
    expect(text).toContain('shadowgate_mirrored_total{route="users"} 1')
    expect(text).toContain('shadowgate_not_mirrored_total{route="orders",reason="method"} 1')
    expect(text).toContain('shadowgate_shadow_duration_seconds_count{route="users"} 2')
    expect(text).toContain('shadowgate_shadow_errors_total{route="users",kind="timeout"} 1')
    expect(text).toContain('shadowgate_circuit_state{shadow="users",state="open"} 1')
    expect(text).toContain('shadowgate_circuit_state{shadow="users",state="closed"} 0')
  })

  it('without a configured token, serves loopback callers', async () => {
    const { url } = await start({ token: false })
    expect((await fetch(`${url}/routes`)).status).toBe(200)
  })
})
