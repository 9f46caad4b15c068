import { setLogger } from '@influxdata/influxdb-client'
import { parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { freePort, waitFor, startServer, type TestServer, startInfluxd, type TestInflux } from '@shadowgate/dev-helpers'
import { E2E_DB } from './e2e-stack.js'
import { countBy } from './influx-counts.js'

// The gateway's own shadowgate_gateway counters (route x reason per window), written by the gateway
// service to a real influxd with the shortest window the config allows (1 s).

describe('gateway counters in InfluxDB', () => {
  let influx: TestInflux
  let primary: TestServer
  let shadow: TestServer
  const services: GatewayService[] = []
  const servers: TestServer[] = []

  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    influx = await startInfluxd()
    await influx.createDatabase(E2E_DB)
    primary = await startServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ url: req.url }))
    })
    shadow = await startServer((_req, res) => {
      res.end('{}')
    })
  })
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close()
  })
  afterAll(async () => {
    for (const s of servers) await s.close()
    await primary?.close()
    await shadow?.close()
    await influx?.close()
  })

  function config(influxUrl: string, database = E2E_DB): ShadowgateConfig {
    return parseConfig(`
primary: ${primary.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
influx: { url: "${influxUrl}", database: ${database}, flushInterval: 50ms, gatewayWindow: 1s }
routes:
  - { name: a, match: "/a/*", mirror: { percent: 100 } }
  - { name: b, match: "/b/*", mirror: { percent: 0 } }
`)
  }

  async function start(cfg: ShadowgateConfig, instanceId: string): Promise<{ service: GatewayService; traffic: string }> {
    const service = await createGatewayService(cfg, { logger: pino({ level: 'silent' }), instanceId, drainTimeoutMs: 1_000, influx: { minRetryDelayMs: 100, maxRetryDelayMs: 300 } })
    services.push(service)
    return { service, traffic: (await service.listen()).traffic }
  }

  /** Sends the requests one after another; returns those that did not get the primary's answer. */
  async function send(traffic: string, paths: readonly string[]): Promise<string[]> {
    const wrong: string[] = []
    for (const p of paths) {
      const res = await fetch(`${traffic}${p}`, { signal: AbortSignal.timeout(10_000) })
      const body = await res.text()
      if (res.status !== 200 || body !== JSON.stringify({ url: p })) wrong.push(`${p}: ${res.status} ${body}`)
    }
    return wrong
  }

  const paths = (prefix: string, n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `/${prefix}/${from + i}`)

  it('writes per-window deltas while running and the last partial window on close: exact sums per route and reason', async () => {
    const { service, traffic } = await start(config(influx.url), 'gw-window')
    const mirroredPoints = async (): Promise<number[]> =>
      ((await influx.query(`SELECT "count" FROM shadowgate_gateway WHERE instance = 'gw-window' AND route = 'a' AND reason = 'mirrored'`, E2E_DB))[0]?.values ?? []).map((v) => Number(v[1]))
    expect(await send(traffic, [...paths('a', 5), ...paths('b', 3), ...paths('none', 2)])).toEqual([])
    // Windows end on their own while the gateway runs (not only at close).
    let first: number[] = []
    await waitFor(async () => (first = await mirroredPoints()).reduce((x, y) => x + y, 0) === 5, 15_000, 'the first windows of route a')
    expect(await send(traffic, paths('a', 4, 100))).toEqual([])
    await waitFor(() => shadow.received.filter((r) => r.url.startsWith('/a/')).length === 9, 10_000, 'the copies')
    await service.close()

    const sums = await countBy(influx, `SELECT sum("count") FROM shadowgate_gateway WHERE instance = 'gw-window' GROUP BY route, reason`, ['route', 'reason'])
    expect(sums).toEqual({ 'a/mirrored': 9, 'b/not_sampled': 3, '(unmatched)/no_route': 2 })
    // The second burst is in later windows (at later times): the earlier points were left as they were.
    const all = await mirroredPoints()
    expect(all.slice(0, first.length)).toEqual(first)
    expect(all.slice(first.length).reduce((x, y) => x + y, 0)).toBe(4)
    expect(all.every((n) => n > 0)).toBe(true)
    // The same writer carries the window's access counts and route percents (shadowgate_access, shadowgate_route).
    const lines = async (measurement: string, field: string): Promise<number> => (await countBy(influx, `SELECT count("${field}") FROM ${measurement} WHERE instance = 'gw-window'`, []))[''] ?? 0
    const written = (await lines('shadowgate_gateway', 'count')) + (await lines('shadowgate_access', 'count')) + (await lines('shadowgate_slow', 'count')) + (await lines('shadowgate_route', 'mirror_percent'))
    expect(service.influxStats()).toEqual({ writtenLines: written, droppedLines: 0, failedWrites: 0, pendingLines: 0 })
  })

  it('serves every request while InfluxDB refuses connections, then counts the lines it could not deliver', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    const { service, traffic } = await start(config(closed), 'gw-refused')
    expect(await send(traffic, [...paths('a', 6), ...paths('b', 2)])).toEqual([])
    await service.close()
    const stats = service.influxStats()
    expect(stats?.writtenLines).toBe(0)
    expect(stats?.pendingLines).toBe(0)
    expect(stats?.droppedLines).toBeGreaterThanOrEqual(2)
  })

  it('serves every request while InfluxDB accepts connections but never answers, and still closes', async () => {
    const silent = await startServer(() => undefined)
    servers.push(silent)
    const { service, traffic } = await start(config(silent.url), 'gw-silent')
    expect(await send(traffic, paths('a', 4))).toEqual([])
    // Wait until a write is stuck in the silent server, so close() has something in flight.
    await waitFor(() => silent.received.length > 0, 15_000, 'a write to reach the silent InfluxDB')
    await service.close()
    // Lines of a write still in flight at close are counted dropped when that request times out.
    await waitFor(() => service.influxStats()?.pendingLines === 0, 20_000, 'the stuck write to be given up')
    expect(service.influxStats()?.writtenLines).toBe(0)
    expect(service.influxStats()?.droppedLines).toBeGreaterThanOrEqual(1)
  })

  it('does not write counters when influx is not configured', async () => {
    const cfg = parseConfig(`
primary: ${primary.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
routes: [{ name: a, match: "/a/*", mirror: { percent: 100 } }]
`)
    const { service, traffic } = await start(cfg, 'gw-no-influx')
    expect(await send(traffic, paths('a', 2))).toEqual([])
    expect(service.influxStats()).toBeUndefined()
  })
})
