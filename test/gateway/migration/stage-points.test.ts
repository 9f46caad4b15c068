import { parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayService, type GatewayService } from '../../../gateway/src/server/gateway-service.js'
import { startInfluxd, startRedis, startServer, waitFor, type TestInflux, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { memoryLogger } from '../runtime/runtime-test-config.js'

// Each stage change is one shadowgate_stage point, written by the instance that made it (the others
// apply the change without writing it again), so dashboards count every change once.
describe('shadowgate_stage points', () => {
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

  function config(prefix = 'points'): ShadowgateConfig {
    return parseConfig(`
primary: ${upstream.url}
shadow: ${upstream.url}/new
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
redis: { url: "${redis.url}", prefix: ${prefix} }
influx: { url: "${influx.url}", database: sg, flushInterval: 50ms }
audit: { enabled: false }
cutover: { ackTimeout: 1s, maxPause: 2s, minTimeBetweenFlips: 0s }
routes:
  - { name: items, match: "/items/*" }
`)
  }

  async function start(instanceId: string, prefix?: string): Promise<GatewayService> {
    const s = await createGatewayService(config(prefix), { logger: memoryLogger().logger, instanceId, runtimePollMs: 60_000, cutoverHeartbeatMs: 100 })
    services.push(s)
    return s
  }

  it('records who moved which route from which stage to which, and why, once', async () => {
    const a = await start('gw-a')
    const b = await start('gw-b')
    await a.settings.setStage('items', 'canary', { serve: 5, reason: 'first users', by: 'alice@10.0.0.1' })
    await waitFor(() => b.settings.stage('items') === 'canary', 5_000, 'b to apply the move')
    await b.settings.setStage('items', 'final', { reason: 'audit clean', by: 'bob@10.0.0.2' })
    await a.settings.rollbackStage('items', { reason: 'latency', by: 'alice@10.0.0.1' })
    const q = 'SELECT "instance", "route", "action", "from", "stage", "stage_level", "serve_percent", "mirror_percent", "who", "reason" FROM "shadowgate_stage"'
    await waitFor(async () => (await influx.query(q, 'sg'))[0]?.values.length === 3, 10_000, 'three stage points')
    const rows = (await influx.query(q, 'sg'))[0]?.values.map((v) => v.slice(1))
    expect(rows).toEqual([
      ['gw-a', 'items', 'stage', 'shadow', 'canary', 2, 5, 0, 'alice@10.0.0.1', 'first users'],
      ['gw-b', 'items', 'stage', 'canary', 'final', 3, 5, 10, 'bob@10.0.0.2', 'audit clean'],
      ['gw-a', 'items', 'rollback', 'final', 'canary', 2, 5, 0, 'alice@10.0.0.1', 'latency'],
    ])
  })
  // Each cut-over is one shadowgate_cutover point, written by the instance that coordinated it.
  it('records the outcome, epoch, pause figures and held count of each cut-over once', async () => {
    const a = await start('gw-c', 'cutpoints')
    const b = await start('gw-d', 'cutpoints')
    await waitFor(async () => (await a.cutoverParticipant?.client()?.zcard('cutpoints:cutover:instances')) === 2 && !!a.cutoverParticipant?.subscribed() && !!b.cutoverParticipant?.subscribed(), 5_000, 'both registered')
    const first = await a.cutover.run('items', { to: 'final', reason: 'go' })
    const second = await a.cutover.run('items', { to: 'shadow', reason: 'back' })
    expect([first.outcome, second.outcome]).toEqual(['committed', 'committed'])
    const q = 'SELECT "instance", "route", "outcome", "epoch", "held", "pause_max_ms" FROM "shadowgate_cutover"'
    await waitFor(async () => (await influx.query(q, 'sg'))[0]?.values.length === 2, 10_000, 'two cut-over points')
    expect((await influx.query(q, 'sg'))[0]?.values.map((v) => v.slice(1))).toEqual([
      ['gw-c', 'items', 'committed', first.epoch, 0, 0],
      ['gw-c', 'items', 'committed', second.epoch, 0, 0],
    ])
  })
})
