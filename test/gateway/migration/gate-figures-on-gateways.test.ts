import { Redis } from 'ioredis'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { gateFiguresKey, gateWindowStart, parseConfig, parseGateFigures, type GateFigures, type ShadowgateConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayService, type GatewayService } from '../../../gateway/src/server/gateway-service.js'
import { GateEvaluator } from '../../../audit-service/src/gate/gate-evaluator.js'
import { GateMetrics } from '../../../audit-service/src/gate/gate-metrics.js'
import { GateWebhook } from '../../../audit-service/src/gate/gate-webhook.js'
import { startRedis, startServer, waitFor, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { memoryLogger } from '../runtime/runtime-test-config.js'
import { runCli } from '../cli/cli-process.js'

const PREFIX = 'sggw'
const INTERVAL_MS = 2_000

describe('gate figures from two gateways sharing Redis, and a rollback they apply', () => {
  let oldSide: TestServer
  let newSide: TestServer
  let server: TestRedis
  let redis: Redis
  let config: ShadowgateConfig
  const gateways: GatewayService[] = []
  const traffic: string[] = []
  const admins: string[] = []

  beforeAll(async () => {
    oldSide = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end('{"side":"old"}')
    })
    newSide = await startServer((_req, res) => {
      res.statusCode = 503
      res.end('{"error":"down"}')
    })
    server = await startRedis()
    redis = new Redis(server.url)
    config = parseConfig(`
primary: ${oldSide.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: gate-admin-token-0123 }
audit: { enabled: false }
redis: { url: "${server.url}", prefix: ${PREFIX} }
routes:
  - name: items
    match: /items/*
    old: ${oldSide.url}
    new: ${newSide.url}
    stage: canary
    serve: { percent: 50 }
    mirror: { percent: 0, sticky: "header:x-user" }
    gate: { interval: ${INTERVAL_MS}ms, minComparisons: 1 }
`)
    for (let i = 0; i < 2; i++) {
      const service = await createGatewayService(config, { logger: memoryLogger().logger, runtimePollMs: 60_000, instanceId: `gw-${i}` })
      gateways.push(service)
      const addr = await service.listen()
      traffic.push(addr.traffic)
      admins.push(addr.admin ?? '')
    }
  })
  afterAll(async () => {
    for (const g of gateways) await g.close()
    redis?.disconnect()
    await oldSide?.close()
    await newSide?.close()
    await server?.close()
  })

  async function figuresSince(from: number): Promise<GateFigures[]> {
    const out: GateFigures[] = []
    for (let w = gateWindowStart(from, INTERVAL_MS); w <= Date.now(); w += INTERVAL_MS) out.push(parseGateFigures(await redis.hgetall(gateFiguresKey(PREFIX, 'items', w))))
    return out
  }

  it('count each served read once per side, with 5xx and latency, summed over instances; the gate rolls back and every gateway applies it', async () => {
    const registry = new Registry()
    const metrics = new GateMetrics(registry)
    const logger = pino({ level: 'silent' })
    const webhook = new GateWebhook(logger, metrics)
    const evaluator = new GateEvaluator({ redis, prefix: PREFIX, routes: config.routes, id: 'w', logger, metrics, webhook, settleMs: 1_100 })
    try {
      await evaluator.tick()
      const started = Date.now()
      // The window the gate began watching in does not count; send into the next ones.
      const firstCounted = gateWindowStart(started, INTERVAL_MS) + INTERVAL_MS
      await waitFor(() => Date.now() >= firstCounted, 2 * INTERVAL_MS + 1_000)
      const answers: number[] = []
      for (let i = 0; i < 120; i++) {
        const res = await fetch(`${traffic[i % 2] ?? ''}/items/${i}`, { headers: { 'x-user': `u${i}` } })
        await res.arrayBuffer()
        answers.push(res.status)
      }
      // Writes are not moved by a stage and not counted.
      await (await fetch(`${traffic[0] ?? ''}/items/x`, { method: 'POST', body: '{}' })).arrayBuffer()
      const newServed = answers.filter((s) => s === 503).length
      expect(newServed).toBeGreaterThan(20)
      await waitFor(async () => (await figuresSince(firstCounted)).reduce((n, f) => n + f.old.served + f.new.served, 0) === 120, 5_000)
      const all = await figuresSince(firstCounted)
      expect(all.reduce((n, f) => n + f.new.served, 0)).toBe(newServed)
      expect(all.reduce((n, f) => n + f.new.errors5xx, 0)).toBe(newServed)
      expect(all.reduce((n, f) => n + f.old.errors5xx, 0)).toBe(0)
      expect(all.reduce((n, f) => n + f.old.latency.reduce((a, b) => a + b, 0), 0)).toBe(120 - newServed)
      // The new side's 5xx rate is past the abort bound: the gate rolls back at once, and both gateways apply it.
      // Ticks until the gate has acted, and no further: a later round would record "the route is in shadow".
      const lastDecision = async (): Promise<unknown> =>
        ((await (await fetch(`${admins[0] ?? ''}/routes/items/stage`, { headers: { authorization: 'Bearer gate-admin-token-0123' } })).json()) as { gate?: { decision?: unknown } }).gate?.decision
      await waitFor(async () => {
        await evaluator.tick()
        return (await lastDecision()) === 'rollback'
      }, 4 * INTERVAL_MS + 5_000)
      await waitFor(() => gateways.every((g) => g.settings.stage('items') === 'shadow'), 5_000, 'both gateways to apply the rollback')
      const res = await fetch(`${traffic[1] ?? ''}/items/after`, { headers: { 'x-user': 'u1' } })
      expect(await res.json()).toEqual({ side: 'old' })
      // The admin API and `shadowgate migrate status` show the gate's last decision and the change it made.
      const status = (await (await fetch(`${admins[0] ?? ''}/routes/items/stage`, { headers: { authorization: 'Bearer gate-admin-token-0123' } })).json()) as { gate: Record<string, unknown>; log: Record<string, unknown>[] }
      expect(status.gate).toMatchObject({ decision: 'rollback', acted: true, stage: 'canary', reason: expect.stringContaining('abort') as unknown })
      expect(status.log[0]).toMatchObject({ by: 'gate:w', to: { stage: 'shadow' } })
      const cli = await runCli(['migrate', 'status', 'items', '--admin', admins[1] ?? ''], { env: { SHADOWGATE_ADMIN_TOKEN: 'gate-admin-token-0123' } })
      expect(cli.stderr).toBe('')
      expect(cli.stdout).toMatch(/Gate: rollback \(done\) at .*abort: new side 5xx 100\.00%/)
      expect(cli.stdout).toMatch(/5xx old 0\.00% new 100\.00%/)
    } finally {
      await evaluator.close()
      await webhook.close()
    }
  })
})
