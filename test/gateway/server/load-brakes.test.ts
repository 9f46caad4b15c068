import { setLogger } from '@influxdata/influxdb-client'
import { parseConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayService, type GatewayService } from '../../../gateway/src/server/gateway-service.js'
import { waitFor, startServer, type TestServer, startRedis, type TestRedis, startInfluxd, type TestInflux } from '@shadowgate/dev-helpers'
import { send } from '../proxy/gateway-fixture.js'
import { memoryLogger } from '../runtime/runtime-test-config.js'

const TOKEN = 'load-brakes-token-0123'
const DB = 'loadtest'
const json = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }

/** Copies per request the shadow is being sent (from `x-shadowgate-copy: k/n`; 1 without it). */
function copiesPerRequest(header: string | string[] | undefined): number {
  const n = Number(String(header ?? '1/1').split('/')[1])
  return Number.isFinite(n) && n > 0 ? n : 1
}

/** Sends GETs to `path` at `perSecond`, spread evenly, until stop() (bounded by `maxMs`). */
function steadyLoad(base: string, path: string, perSecond: number, maxMs = 30_000): { stop(): Promise<void> } {
  let stopped = false
  const inFlight = new Set<Promise<unknown>>()
  const startedAt = performance.now()
  let i = 0
  const tick = (): void => {
    if (stopped || performance.now() - startedAt > maxMs) return
    const p = send(base, `${path}/${i++}`).catch(() => undefined)
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
    setTimeout(tick, Math.max(0, startedAt + (i * 1_000) / perSecond - performance.now()))
  }
  tick()
  return {
    async stop() {
      stopped = true
      await Promise.all([...inFlight])
    },
  }
}

interface LoadStatus {
  route: string
  state: string
  percent: number
  stoppedPercent: number | null
  stopReason: string | null
  figures: { p99Ms: number | null; baselineP99Ms: number | null; errorRate: number } | null
}

describe('load ramp brakes (real shadow, Redis and InfluxDB)', () => {
  let origin: TestServer
  let shadow: TestServer
  let redis: TestRedis
  let influx: TestInflux
  let service: GatewayService
  let traffic: string
  let admin: string
  let failing = false

  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    origin = await startServer((_req, res) => void res.end('primary'))
    // The shadow slows down faster than the load it is sent grows: 100 ms × (copies per request)².
    shadow = await startServer(async (req, res) => {
      if (req.url?.startsWith('/errors') && failing) {
        res.statusCode = 503
        res.end('overloaded')
        return
      }
      const n = copiesPerRequest(req.headers['x-shadowgate-copy'])
      await new Promise((r) => setTimeout(r, req.url?.startsWith('/items') ? 100 * n * n : 5))
      res.end('shadow')
    })
    redis = await startRedis()
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    const config = parseConfig(`
primary: ${origin.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
redis: { url: "${redis.url}", prefix: brakes }
audit: { enabled: false }
influx: { url: "${influx.url}", database: ${DB}, flushInterval: 50ms }
load: { interval: 1s }
routes:
  - name: items
    match: /items/*
  - name: errors
    match: /errors/*
`)
    service = await createGatewayService(config, { logger: memoryLogger().logger, runtimePollMs: 60_000, influx: { minRetryDelayMs: 100, maxRetryDelayMs: 300 } })
    const addr = await service.listen()
    traffic = addr.traffic
    admin = addr.admin ?? ''
  })
  afterAll(async () => {
    await service?.close()
    await origin?.close()
    await shadow?.close()
    await redis?.close()
    await influx?.close()
  })

  async function status(route: string): Promise<LoadStatus> {
    const body = (await (await fetch(`${admin}/load`, { headers: json })).json()) as { routes: LoadStatus[] }
    const found = body.routes.find((r) => r.route === route)
    if (found === undefined) throw new Error(`no load status for ${route}`)
    return found
  }

  async function loadPoints(route: string): Promise<Record<string, unknown>[]> {
    const series = await influx.query(`SELECT * FROM shadowgate_load WHERE route = '${route}'`, DB)
    const s = series[0]
    if (s === undefined) return []
    return s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]])))
  }

  it('a shadow whose latency rises with load stops the ramp at the step that slowed it, and the route returns to its previous percent', async () => {
    const load = steadyLoad(traffic, '/items', 40)
    try {
      const res = await fetch(`${admin}/routes/items/load`, { method: 'POST', headers: json, body: '{"to":400,"step":100,"every":"3s","reason":"p99 brake test"}' })
      expect(res.status).toBe(201)
      await waitFor(async () => (await status('items')).state === 'braked', 20_000, 'the p99 brake')
    } finally {
      await load.stop()
    }
    const s = await status('items')
    // 100 % is the baseline (one copy: 100 ms); 200 % sends two copies per request (400 ms each).
    expect(s.stoppedPercent).toBe(200)
    expect(s.stopReason).toMatch(/shadow p99 .* ms above 1.5 × baseline .* ms/)
    expect(s.figures?.baselineP99Ms).toBeGreaterThanOrEqual(100)
    expect(s.figures?.p99Ms).toBeGreaterThan(1.5 * (s.figures?.baselineP99Ms ?? Infinity))
    expect(s.percent).toBe(0)
    expect(service.settings.mirrorPercent('items')).toBe(0)
    await waitFor(async () => (await loadPoints('items')).some((p) => p['event'] === 'brake'), 10_000, 'the brake in InfluxDB')
    const points = await loadPoints('items')
    expect(points.filter((p) => p['event'] === 'step').map((p) => p['percent'])).toEqual([100, 200])
    const brake = points.find((p) => p['event'] === 'brake')
    expect(brake).toMatchObject({ route: 'items', percent: 200, reason: s.stopReason })
    expect(Number(brake?.['p99_ms'])).toBeGreaterThan(150)
    expect(typeof brake?.['error_rate']).toBe('number')
  })

  it('a shadow that starts answering 5xx stops the ramp; the route returns to its previous percent', async () => {
    const set = await fetch(`${admin}/routes/errors/mirror`, { method: 'PUT', headers: json, body: '{"percent":20}' })
    expect(set.status).toBe(200)
    const load = steadyLoad(traffic, '/errors', 40)
    try {
      const res = await fetch(`${admin}/routes/errors/load`, { method: 'POST', headers: json, body: '{"to":300,"step":100,"every":"1m","reason":"5xx brake test"}' })
      expect(res.status).toBe(201)
      expect(service.settings.mirrorPercent('errors')).toBe(120)
      await waitFor(() => shadow.received.filter((r) => r.url.startsWith('/errors')).length > 60, 10_000, 'healthy copies first')
      expect((await status('errors')).state).toBe('running')
      failing = true
      await waitFor(async () => (await status('errors')).state === 'braked', 15_000, 'the 5xx brake')
    } finally {
      failing = false
      await load.stop()
    }
    const s = await status('errors')
    expect(s.stopReason).toMatch(/shadow 5xx, timeouts and failures at .* % of \d+ copies \(limit 1 %\)/)
    expect(s.figures?.errorRate).toBeGreaterThan(0.01)
    expect(s.percent).toBe(20)
    await waitFor(async () => (await loadPoints('errors')).some((p) => p['event'] === 'brake'), 10_000, 'the brake in InfluxDB')
    expect((await loadPoints('errors')).find((p) => p['event'] === 'brake')).toMatchObject({ percent: 120 })
  })
})
