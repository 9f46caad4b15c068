import { parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayService, type GatewayService } from '../../../gateway/src/server/gateway-service.js'
import { startInfluxd, startRedis, startServer, waitFor, type TestInflux, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { memoryLogger } from '../runtime/runtime-test-config.js'

// Each cut-over is one shadowgate_cutover point, written by the instance that coordinated it.
describe('shadowgate_cutover points', () => {
  let upstream: TestServer
  let redis: TestRedis
  let influx: TestInflux
  const services: GatewayService[] = []

  beforeAll(async () => {
    upstream = await startServer((_req, res) => void res.end('{}'))
    redis = await startRedis()
    influx = await startInfluxd()
    await influx.createDatabase('sg')
  })
  afterAll(async () => {
    for (const s of services.splice(0)) await s.close()
    await upstream?.close()
    await redis?.close()
    await influx?.close()
  })

  function config(): ShadowgateConfig {
    return parseConfig(`
primary: ${upstream.url}
shadow: ${upstream.url}/new
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
redis: { url: "${redis.url}", prefix: cutpoints }
influx: { url: "${influx.url}", database: sg, flushInterval: 50ms }
audit: { enabled: false }
cutover: { ackTimeout: 200ms, maxPause: 500ms, minTimeBetweenFlips: 0s }
routes:
  - { name: items, match: "/items/*" }
`)
  }

  it('records the outcome, epoch, pause figures and held count of each cut-over once', async () => {
    const a = await createGatewayService(config(), { logger: memoryLogger().logger, instanceId: 'gw-a', runtimePollMs: 60_000, cutoverHeartbeatMs: 100 })
    services.push(a)
    const b = await createGatewayService(config(), { logger: memoryLogger().logger, instanceId: 'gw-b', runtimePollMs: 60_000, cutoverHeartbeatMs: 100 })
    services.push(b)
    await waitFor(() => !!a.cutoverParticipant?.client() && !!b.cutoverParticipant?.subscribed() && !!a.cutoverParticipant.subscribed(), 5_000, 'both participants connected')
    await waitFor(async () => (await a.cutoverParticipant?.client()?.zcard('cutpoints:cutover:instances')) === 2, 5_000, 'both registered')
    const first = await a.cutover.run('items', { to: 'final', reason: 'go' })
    const second = await a.cutover.run('items', { to: 'shadow', reason: 'back' })
    expect([first.outcome, second.outcome]).toEqual(['committed', 'committed'])
    const q = 'SELECT "instance", "route", "outcome", "epoch", "held", "pause_max_ms" FROM "shadowgate_cutover"'
    await waitFor(async () => (await influx.query(q, 'sg'))[0]?.values.length === 2, 10_000, 'two cut-over points')
    const rows = (await influx.query(q, 'sg'))[0]?.values.map((v) => v.slice(1))
    expect(rows).toEqual([
      ['gw-a', 'items', 'committed', first.epoch, 0, 0],
      ['gw-a', 'items', 'committed', second.epoch, 0, 0],
    ])
  })
})
