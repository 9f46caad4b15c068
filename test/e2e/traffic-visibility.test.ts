import { setLogger } from '@influxdata/influxdb-client'
import { queryInfluxQl } from '@shadowgate/influx'
import { parseConfig, slowLogKey, type ShadowgateConfig } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { accessQuery, accessRows } from '../../gateway/src/cli/access-command.js'
import { readSlowLog } from '../../gateway/src/cli/slow-command.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { startInfluxd, startRedis, startServer, waitFor, type TestInflux, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { configDir } from '../gateway/cli/cli-config-file.js'
import { runCli } from '../gateway/cli/cli-process.js'
import { E2E_DB } from './e2e-stack.js'
import { countBy, tagValues } from './influx-counts.js'

// What the gateway tells about all of its traffic (mirrored or not), end to end: a real gateway
// service, real upstreams, a real influxd and a real redis-server.

describe('traffic visibility: access audit and slow requests', () => {
  let influx: TestInflux
  let redis: TestRedis
  let primary: TestServer
  let shadow: TestServer
  let dir: Awaited<ReturnType<typeof configDir>>
  const services: GatewayService[] = []

  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    ;[influx, redis] = await Promise.all([startInfluxd(), startRedis()])
    await influx.createDatabase(E2E_DB)
    dir = await configDir()
    primary = await startServer(async (req, res) => {
      const url = req.url ?? '/'
      if (url.startsWith('/slow/')) await new Promise((r) => setTimeout(r, 2_000))
      // Past the fast route's 1 ms threshold on any machine: a local answer can take less than 1 ms.
      if (url.startsWith('/fast/')) await new Promise((r) => setTimeout(r, 5))
      res.statusCode = url.includes('missing') ? 404 : req.method === 'POST' ? 201 : 200
      res.end('{}')
    })
    shadow = await startServer((_req, res) => {
      res.end('{}')
    })
  }, 60_000)
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close()
  })
  afterAll(async () => {
    await primary?.close()
    await shadow?.close()
    await influx?.close()
    await redis?.close()
    await dir?.remove()
  })

  function yaml(extra = ''): string {
    return `
primary: ${primary.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
redis: { url: "${redis.url}", prefix: sgvis }
audit: { enabled: false, identityHeader: x-caller }
access: { apiKeyHeader: x-api-key, maxCallersPerRoute: 3 }
influx: { url: "${influx.url}", database: ${E2E_DB}, flushInterval: 50ms, gatewayWindow: 1s }
routes:
  - { name: catalog, match: "/a/*", mirror: { percent: 100 } }
  - { name: orders-read, match: "/ro/*", readOnly: true }
  - { name: slow, match: "/slow/*", slowThreshold: 500ms, mirror: { percent: 100 } }
  - { name: fast, match: "/fast/*", slowThreshold: 1ms }
${extra}`
  }

  async function start(cfg: ShadowgateConfig, instanceId: string, lines?: string[]): Promise<string> {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines?.push(line) })
    const service = await createGatewayService(cfg, { logger, instanceId, drainTimeoutMs: 1_000, influx: { minRetryDelayMs: 100, maxRetryDelayMs: 300 } })
    services.push(service)
    return (await service.listen()).traffic
  }

  async function send(traffic: string, method: string, path: string, headers: Record<string, string>, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${traffic}${path}`, { method, headers, signal: AbortSignal.timeout(10_000) })
      await res.arrayBuffer()
    }
  }

  it('counts every request by caller, route, method and status class exactly, never storing an API key', async () => {
    const cfg = parseConfig(yaml())
    const traffic = await start(cfg, 'gw-access')
    await send(traffic, 'GET', '/a/1', { 'x-caller': 'alice' }, 5)
    await send(traffic, 'GET', '/a/2', { 'x-api-key': 'secret-key-1' }, 2)
    await send(traffic, 'GET', '/a/missing', {}, 4)
    // Route catalog has its 3 callers: carol and dave are counted as (other).
    await send(traffic, 'GET', '/a/3', { 'x-caller': 'carol' }, 1)
    await send(traffic, 'GET', '/a/4', { 'x-caller': 'dave' }, 2)
    await send(traffic, 'POST', '/ro/1', { 'x-caller': 'bob', 'x-api-key': 'ignored-when-identified' }, 3)
    await send(traffic, 'GET', '/nowhere', {}, 1)
    await waitFor(() => shadow.received.length === 14, 10_000, 'the copies of route catalog')
    await services.splice(0)[0]?.close()

    const counts = await countBy(influx, `SELECT sum("count") FROM shadowgate_access WHERE instance = 'gw-access' GROUP BY route, caller, method, status_class`, ['route', 'caller', 'method', 'status_class'])
    const key = Object.keys(counts).find((k) => k.startsWith('catalog/key:'))?.split('/')[1]
    expect(key).toMatch(/^key:[0-9a-f]{16}$/)
    expect(counts).toEqual({
      'catalog/alice/GET/2xx': 5,
      [`catalog/${key}/GET/2xx`]: 2,
      'catalog/(anonymous)/GET/4xx': 4,
      'catalog/(other)/GET/2xx': 3,
      'orders-read/bob/POST/2xx': 3,
      '(unmatched)/(anonymous)/GET/2xx': 1,
    })
    const callers = await tagValues(influx, 'shadowgate_access', 'caller')
    expect(callers.join(' ')).not.toContain('secret-key-1')

    // The CLI's query and table on the same data: the writes on the read-only route are flagged.
    const rows = accessRows(await queryInfluxQl(cfg.influx!, accessQuery(3_600_000, undefined)), cfg)
    expect(rows.filter((r) => r.writeOnReadOnly)).toEqual([{ route: 'orders-read', caller: 'bob', method: 'POST', statusClass: '2xx', requests: 3, writeOnReadOnly: true }])
    const configPath = await dir.write('access.yaml', yaml())
    const cli = await runCli(['access', '--route', 'orders-read', '--since', '1h', '--config', configPath])
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(0)
    expect(cli.stdout.split('\n')[0]).toMatch(/^ROUTE\s+CALLER\s+METHOD\s+STATUS\s+REQUESTS\s+NOTE$/)
    expect(cli.stdout).toMatch(/orders-read\s+bob\s+POST\s+2xx\s+3\s+write on read-only route/)
    expect(cli.stdout).not.toContain('catalog')

    // The mirror percent of every route, each window.
    const percents = await countBy(influx, `SELECT last("mirror_percent") FROM shadowgate_route WHERE instance = 'gw-access' GROUP BY route`, ['route'])
    expect(percents).toEqual({ catalog: 100, 'orders-read': 0, slow: 100, fast: 0 })
  }, 60_000)

  it('logs a 2 s primary once with both sides, keeps it in Redis, counts it, and lists it', async () => {
    const lines: string[] = []
    const traffic = await start(parseConfig(yaml()), 'gw-slow', lines)
    await send(traffic, 'GET', '/slow/item?token=abc&q=1', { 'x-caller': 'erin' }, 1)
    await waitFor(() => lines.some((l) => l.includes('slow request')), 10_000, 'the slow log line')
    await services.splice(0)[0]?.close()

    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith('slow request'))
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ level: 40, route: 'slow', method: 'GET', path: '/slow/item?token=[redacted]&q=1', caller: 'erin', primaryStatus: 200, shadowStatus: 200, slow: ['primary'] })
    expect(logged[0]?.primaryMs).toBeGreaterThanOrEqual(2_000)
    expect(typeof logged[0]?.shadowMs).toBe('number')

    const client = new Redis(redis.url)
    try {
      const { entries, invalid } = await readSlowLog(client, 'sgvis', 'slow', 10)
      expect(invalid).toBe(0)
      expect(entries).toHaveLength(1)
      expect(entries[0]).toMatchObject({ instance: 'gw-slow', route: 'slow', path: '/slow/item?token=[redacted]&q=1' })
      expect(await client.pttl(slowLogKey('sgvis', 'gw-slow'))).toBeGreaterThan(0)
    } finally {
      client.disconnect()
    }
    const counts = await countBy(influx, `SELECT sum("count") FROM shadowgate_slow WHERE instance = 'gw-slow' GROUP BY route, side`, ['route', 'side'])
    expect(counts).toEqual({ 'slow/primary': 1 })

    const configPath = await dir.write('slow.yaml', yaml())
    const cli = await runCli(['slow', '--route', 'slow', '--config', configPath])
    expect(cli.code).toBe(0)
    expect(cli.stdout).toMatch(/slow\s+GET\s+\/slow\/item\?token=\[redacted\]&q=1\s+erin\s+\d{4,}ms 200\s+\d+ms 200\s+primary\s+gw-slow/)
  }, 60_000)

  it('keeps at most slowLog.size entries per instance', async () => {
    const traffic = await start(parseConfig(yaml('slowLog: { size: 3, ttl: 1h }')), 'gw-bounded')
    await send(traffic, 'GET', '/fast/x', {}, 8)
    await services.splice(0)[0]?.close()
    const client = new Redis(redis.url)
    try {
      expect(await client.llen(slowLogKey('sgvis', 'gw-bounded'))).toBe(3)
      const ttl = await client.pttl(slowLogKey('sgvis', 'gw-bounded'))
      expect(ttl).toBeGreaterThan(3_000_000)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
    } finally {
      client.disconnect()
    }
  }, 60_000)
})
