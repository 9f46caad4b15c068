import { parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayService, type GatewayService } from '../../../gateway/src/server/gateway-service.js'
import { waitFor, startServer, type TestServer, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { memoryLogger } from '../runtime/runtime-test-config.js'

const TOKEN = 'service-token-0123456789'
const auth = { authorization: `Bearer ${TOKEN}` }

describe('gateway service', () => {
  let origin: TestServer
  let shadow: TestServer
  let redis: TestRedis
  const services: GatewayService[] = []
  let slowMs = 0

  beforeAll(async () => {
    origin = await startServer(async (req, res) => {
      if (req.url?.startsWith('/slow')) await new Promise((r) => setTimeout(r, slowMs))
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ from: 'primary', url: req.url }))
    })
    shadow = await startServer((_req, res) => {
      res.end('{}')
    })
    redis = await startRedis()
  })
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close()
  })
  afterAll(async () => {
    await origin?.close()
    await shadow?.close()
    await redis?.close()
  })

  function config(opts: { redis?: boolean; prefix?: string; percent?: number } = {}): ShadowgateConfig {
    return parseConfig(`
primary: ${origin.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
${opts.redis ? `redis: { url: "${redis.url}", prefix: ${opts.prefix ?? 'svc'} }` : ''}
routes:
  - name: users
    match: /users/*
    mirror: { percent: ${opts.percent ?? 0} }
  - name: slow
    match: /slow
`)
  }

  async function start(cfg: ShadowgateConfig, logger = memoryLogger().logger): Promise<{ service: GatewayService; traffic: string; admin: string }> {
    const service = await createGatewayService(cfg, { logger, runtimePollMs: 60_000 })
    services.push(service)
    const addr = await service.listen()
    return { service, traffic: addr.traffic, admin: addr.admin ?? '' }
  }

  async function percentOf(admin: string, route: string): Promise<number> {
    const body = (await (await fetch(`${admin}/routes/${route}`, { headers: auth })).json()) as { route: { percent: number } }
    return body.route.percent
  }

  async function setPercent(admin: string, route: string, body: unknown): Promise<Response> {
    return await fetch(`${admin}/routes/${route}/mirror`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  }

  it('without Redis: proxies, counts, is ready, and applies admin changes to traffic', async () => {
    const { service, traffic, admin } = await start(config())
    expect(service.ready()).toBe(true)
    const readyz = await fetch(`${admin}/readyz`)
    expect([readyz.status, await readyz.json()]).toEqual([200, { ready: true, runtimeStore: 'disabled' }])
    const res = await fetch(`${traffic}/users/1`)
    expect(await res.json()).toEqual({ from: 'primary', url: '/users/1' })
    expect(shadow.received.filter((r) => r.url === '/users/1')).toHaveLength(0)
    expect((await setPercent(admin, 'users', { percent: 100 })).status).toBe(200)
    await fetch(`${traffic}/users/2`)
    await waitFor(() => shadow.received.some((r) => r.url === '/users/2'), 5_000, 'the copy')
    const listed = (await (await fetch(`${admin}/routes`, { headers: auth })).json()) as { routes: { name: string; counters: { requests: number; mirrored: number } }[] }
    expect(listed.routes.find((r) => r.name === 'users')?.counters).toMatchObject({ requests: 2, mirrored: 1 })
    const metrics = await (await fetch(`${admin}/metrics`, { headers: auth })).text()
    expect(metrics).toContain('shadowgate_requests_total{route="users"} 2')
    expect(metrics).toContain('shadowgate_mirrored_total{route="users"} 1')
    expect(metrics).toContain('shadowgate_not_mirrored_total{route="users",reason="not_sampled"} 1')
    expect(metrics).toMatch(/shadowgate_shadow_duration_seconds_count\{route="users"\} 1/)
    expect(metrics).toContain('process_cpu_user_seconds_total')
  })

  it('applies a change made through one instance on another instance, and gives a later instance the current values', async () => {
    const a = await start(config({ redis: true, prefix: 'fleet1' }))
    const b = await start(config({ redis: true, prefix: 'fleet1' }))
    expect((await setPercent(a.admin, 'users', { percent: 100, ttl: '10m' })).status).toBe(200)
    await waitFor(async () => (await percentOf(b.admin, 'users')) === 100, 5_000, 'instance b to apply the change')
    await fetch(`${b.traffic}/users/fleet`)
    await waitFor(() => shadow.received.some((r) => r.url === '/users/fleet'), 5_000, 'instance b to mirror')
    const c = await start(config({ redis: true, prefix: 'fleet1' }))
    expect(await percentOf(c.admin, 'users')).toBe(100)
    const listed = (await (await fetch(`${c.admin}/routes/users`, { headers: auth })).json()) as { route: { revertTo: number; expiresAt: string } }
    expect(listed.route.revertTo).toBe(0)
    expect(Date.parse(listed.route.expiresAt)).toBeGreaterThan(Date.now())
  })

  it('reverts a ttl change on every instance', async () => {
    const a = await start(config({ redis: true, prefix: 'fleet2', percent: 5 }))
    const b = await start(config({ redis: true, prefix: 'fleet2', percent: 5 }))
    expect((await setPercent(b.admin, 'users', { percent: 80, ttl: '300ms' })).status).toBe(200)
    await waitFor(async () => (await percentOf(a.admin, 'users')) === 5 && (await percentOf(b.admin, 'users')) === 5, 5_000, 'both to revert')
  })

  it('starts and serves from the file config while Redis is down, then picks up the stored values', async () => {
    const { logger, lines } = memoryLogger()
    await redis.stop()
    let a: Awaited<ReturnType<typeof start>>
    try {
      a = await start(config({ redis: true, prefix: 'down', percent: 0 }), logger)
      const res = await fetch(`${a.traffic}/users/while-down`)
      expect(res.status).toBe(200)
      expect(lines.some((l) => l['level'] === 40 && String(l['msg']).includes('Redis'))).toBe(true)
      const readyz = await fetch(`${a.admin}/readyz`)
      expect([readyz.status, await readyz.json()]).toEqual([200, { ready: true, runtimeStore: 'disconnected' }])
      const refused = await setPercent(a.admin, 'users', { percent: 50 })
      expect(refused.status).toBe(503)
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('SG_RUNTIME_STORE_UNAVAILABLE')
    } finally {
      await redis.start()
    }
    const b = await start(config({ redis: true, prefix: 'down' }))
    expect((await setPercent(b.admin, 'users', { percent: 100 })).status).toBe(200)
    await waitFor(async () => (await percentOf(a.admin, 'users')) === 100, 15_000, 'the instance started without Redis to catch up')
    await fetch(`${a.traffic}/users/after-reconnect`)
    await waitFor(() => shadow.received.some((r) => r.url === '/users/after-reconnect'), 5_000, 'the copy after reconnect')
  })

  it('lets in-flight requests finish on close, refuses new ones, and closes idempotently', async () => {
    const { service, traffic, admin } = await start(config())
    slowMs = 400
    const inFlight = fetch(`${traffic}/slow`).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }))
    await waitFor(() => origin.received.some((r) => r.url === '/slow'), 5_000, 'the slow request to reach the origin')
    const closing = service.close()
    expect(service.ready()).toBe(false)
    expect(await inFlight).toEqual({ status: 200, body: { from: 'primary', url: '/slow' } })
    await closing
    await service.close()
    await expect(fetch(`${traffic}/users/late`)).rejects.toThrow()
    await expect(fetch(`${admin}/healthz`)).rejects.toThrow()
  })
})
