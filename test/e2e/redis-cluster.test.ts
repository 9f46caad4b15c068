import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig, runtimeSettingsKey, type ShadowgateConfig } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuditService, type AuditService } from '../../audit-service/src/worker/audit-service.js'
import { createRedisClient, type RedisClient } from '../../gateway/src/create-redis-client.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { closeInOrder, type CloseStep, freePort, startInfluxd, startRedisCluster, waitFor, type TestInflux, type TestRedisCluster } from '@shadowgate/dev-helpers'
import { differingRoutesYaml, startDifferingUpstreams, type DifferingRoute } from './differing-upstreams.js'
import { E2E_DB, mirroredTotal, producerIdle } from './e2e-stack.js'
import { countBy, single } from './influx-counts.js'
import { sendTraffic, type WrongAnswer } from './send-traffic.js'

// Everything shadowgate keeps in Redis, on a real Redis Cluster of three masters with one replica
// each: runtime settings and their announcements between two gateways, the BullMQ audit queue,
// mismatch groups and the worker's other keys (default prefix {shadowgate}: one hash slot). A
// coordinated master failover of that slot mid-traffic fails no client request and loses no pair.

const INFLUX_RETRY = { minRetryDelayMs: 100, maxRetryDelayMs: 300 }
const CLOSE_MS = 15_000
const PLAN = { price: 7, rename: 6, noise: 5, fail: 4, unaudited: 3 } as const satisfies Partial<Record<DifferingRoute, number>>
const MISMATCHING = ['price', 'rename', 'fail'] as const

interface Stack {
  readonly cluster: TestRedisCluster
  readonly influx: TestInflux
  readonly config: ShadowgateConfig
  readonly worker: AuditService
  readonly a: GatewayService
  readonly b: GatewayService
  readonly trafficA: string
  readonly trafficB: string
  readonly redis: RedisClient
  readonly queue: Queue
}

function sumDropped(g: GatewayService): number {
  return Object.values(g.auditStats()?.dropped ?? {}).reduce((x, y) => x + y, 0)
}

/** The master serving the slot of every shadowgate key, and its replica, from CLUSTER NODES. */
async function slotOwner(cluster: TestRedisCluster, key: string): Promise<{ master: number; replica: number }> {
  const port = cluster.nodes[0]?.port ?? 0
  const slot = Number((await cluster.cli(port, 'cluster', 'keyslot', key)).trim())
  const lines = (await cluster.cli(port, 'cluster', 'nodes')).trim().split('\n').map((l) => l.split(' '))
  const portOf = (addr: string | undefined): number => Number(/:(\d+)@/.exec(addr ?? '')?.[1])
  const master = lines.find((f) => f[2]?.includes('master') && f.slice(8).some((r) => {
    const [lo, hi] = r.split('-').map(Number)
    return lo !== undefined && slot >= lo && slot <= (hi ?? lo)
  }))
  const replica = lines.find((f) => f[3] === master?.[0])
  if (!master || !replica) throw new Error(`no master with a replica serves slot ${slot}`)
  return { master: portOf(master[1]), replica: portOf(replica[1]) }
}

describe('Redis Cluster: runtime settings, audit queue, mismatch groups, failover', () => {
  let stack: Stack
  const steps: CloseStep[] = []

  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    const logger = pino({ level: 'silent' })
    const [clusterStart, influxStart, upstreamsStart] = await Promise.allSettled([startRedisCluster({ replicasPerMaster: 1 }), startInfluxd(), startDifferingUpstreams()])
    if (clusterStart.status === 'fulfilled') steps.push({ name: 'redis cluster', limitMs: CLOSE_MS, close: () => clusterStart.value.close() })
    if (influxStart.status === 'fulfilled') steps.push({ name: 'influxd', limitMs: CLOSE_MS, close: () => influxStart.value.close(), kill: () => influxStart.value.kill() })
    if (upstreamsStart.status === 'fulfilled') steps.push({ name: 'upstreams', limitMs: CLOSE_MS, close: () => Promise.all([upstreamsStart.value.primary.close(), upstreamsStart.value.shadow.close()]) })
    if (clusterStart.status === 'rejected') throw clusterStart.reason
    if (influxStart.status === 'rejected') throw influxStart.reason
    if (upstreamsStart.status === 'rejected') throw upstreamsStart.reason
    const [cluster, influx, upstreams] = [clusterStart.value, influxStart.value, upstreamsStart.value]
    await influx.createDatabase(E2E_DB)
    const downShadow = `http://127.0.0.1:${await freePort()}`
    const config = parseConfig(`
primary: ${upstreams.primary.url}
shadow: ${upstreams.shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
redis: { cluster: [${cluster.urls.map((u) => `"${u}"`).join(', ')}] }
influx: { url: "${influx.url}", database: ${E2E_DB}, flushInterval: 50ms, gatewayWindow: 1s, maxRetries: 1000 }
worker: { concurrency: 4, shutdownTimeout: 10s }
${differingRoutesYaml(downShadow)}
`)
    const worker = createAuditService(config, { logger, influx: INFLUX_RETRY })
    steps.push({ name: 'worker', limitMs: CLOSE_MS, close: () => worker.close() })
    await worker.start()
    const gateway = async (id: string): Promise<GatewayService> => {
      // A 60 s poll: a change seen within the test's wait came through the pub/sub announcement.
      const g = await createGatewayService(config, { logger, instanceId: id, drainTimeoutMs: 2_000, runtimePollMs: 60_000, influx: INFLUX_RETRY })
      steps.push({ name: id, limitMs: CLOSE_MS, close: () => g.close() })
      return g
    }
    const a = await gateway('gw-a')
    const b = await gateway('gw-b')
    const trafficA = (await a.listen()).traffic
    const trafficB = (await b.listen()).traffic
    const redis = createRedisClient(config.redis ?? { mode: 'single', url: '', prefix: '' }, { maxRetriesPerRequest: 3 })
    steps.push({ name: 'test client', limitMs: CLOSE_MS, close: async () => void redis.disconnect() })
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: redis, prefix: config.redis?.prefix, skipMetasUpdate: true })
    steps.push({ name: 'queue view', limitMs: CLOSE_MS, close: () => queue.close() })
    await waitFor(
      () => [a, b].every((g) => g.auditStats()?.redisConnected === true && g.settings.storeState() === 'connected'),
      20_000,
      'both gateways to connect to the cluster',
    )
    stack = { cluster, influx, config, worker, a, b, trafficA, trafficB, redis, queue }
  }, 120_000)

  afterAll(async () => {
    await closeInOrder(steps.splice(0).reverse())
  }, 8 * CLOSE_MS)

  async function drain(): Promise<void> {
    const { a, b, queue, worker } = stack
    await waitFor(() => producerIdle(a) && producerIdle(b), 30_000, 'both producers to enqueue or count every pair')
    await waitFor(async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')).every((n) => n === 0), 30_000, 'the audit queue to be empty')
    await waitFor(() => (worker.influxStats()?.pendingLines ?? 0) === 0, 30_000, 'the worker to deliver its points')
  }

  it('uses the hash-tagged default prefix and keeps every key in its slot', () => {
    expect(stack.config.redis).toMatchObject({ mode: 'cluster', prefix: '{shadowgate}' })
  })

  it('announces a runtime change made on one gateway to the other over the cluster', async () => {
    const { a, b, redis } = stack
    await a.settings.setMirror('price', 40, { by: 'cluster-test' })
    await waitFor(() => b.settings.mirrorPercent('price') === 40, 5_000, 'gateway b to apply the change')
    expect(await redis.hget(runtimeSettingsKey('{shadowgate}'), 'price')).toContain('"percent":40')
    await b.settings.resetMirror('price')
    await waitFor(() => a.settings.mirrorPercent('price') === 100, 5_000, 'gateway a to apply the reset')
  })

  it('carries every pair through BullMQ on the cluster to InfluxDB and the mismatch groups, exactly', async () => {
    const wrong: WrongAnswer[] = [...(await sendTraffic(stack.trafficA, PLAN)), ...(await sendTraffic(stack.trafficB, PLAN, 1_000))]
    await drain()
    expect(wrong).toEqual([])
    const { a, b, influx, worker } = stack
    const mirrored = mirroredTotal(a) + mirroredTotal(b)
    const audited = Object.values(PLAN).reduce((n, c) => n + c, 0) - PLAN.unaudited
    expect(mirrored).toBe(2 * (audited + PLAN.unaudited))
    for (const g of [a, b]) {
      expect(g.auditStats()).toMatchObject({ offered: mirroredTotal(g), enqueued: audited, notSampled: PLAN.unaudited })
      expect(sumDropped(g)).toBe(0)
    }
    expect(await countBy(influx, 'SELECT count("mismatch") FROM shadowgate_audit GROUP BY route', ['route'])).toEqual({
      price: 2 * PLAN.price,
      rename: 2 * PLAN.rename,
      noise: 2 * PLAN.noise,
      fail: 2 * PLAN.fail,
    })
    const groups = Object.fromEntries((await worker.store.list({ limit: 100 })).map((g) => [g.route, g.count]))
    expect(groups).toEqual(Object.fromEntries(MISMATCHING.map((r) => [r, 2 * PLAN[r]])))
  }, 120_000)

  it('fails no client request and loses no pair while the master of the slot fails over', async () => {
    const { cluster, a, b, influx } = stack
    const before = await single(influx, 'SELECT count("mismatch") FROM shadowgate_audit')
    const enqueuedBefore = (a.auditStats()?.enqueued ?? 0) + (b.auditStats()?.enqueued ?? 0)
    const { master, replica } = await slotOwner(cluster, '{shadowgate}')
    const big = { price: 40, rename: 40, noise: 40, fail: 40, unaudited: 10 } as const
    const traffic = Promise.all([sendTraffic(stack.trafficA, big, 10_000), sendTraffic(stack.trafficB, big, 20_000)])
    await waitFor(() => (a.auditStats()?.enqueued ?? 0) + (b.auditStats()?.enqueued ?? 0) >= enqueuedBefore + 20, 30_000, 'traffic to be under way')
    await cluster.cli(replica, 'cluster', 'failover')
    await waitFor(async () => (await cluster.nodes.find((n) => n.port === replica)?.isMaster()) === true && !(await cluster.nodes.find((n) => n.port === master)?.isMaster()), 20_000, `replica ${replica} to take over from ${master}`)
    const wrong = (await traffic).flat()
    await cluster.waitHealthy()
    await drain()
    expect(wrong).toEqual([])
    let enqueued = 0
    for (const g of [a, b]) {
      const s = g.auditStats()
      // Every mirrored request is audited, not sampled or dropped by reason: none goes missing.
      expect((s?.enqueued ?? 0) + (s?.notSampled ?? 0) + sumDropped(g)).toBe(mirroredTotal(g))
      enqueued += s?.enqueued ?? 0
    }
    // Every pair the gateways enqueued was audited once: the failover lost and repeated none.
    expect(await single(influx, 'SELECT count("mismatch") FROM shadowgate_audit') - before).toBe(enqueued - enqueuedBefore)
    // The runtime store follows the new master as well.
    await a.settings.setMirror('noise', 55)
    await waitFor(() => b.settings.mirrorPercent('noise') === 55, 10_000, 'gateway b to apply a change made after the failover')
  }, 180_000)
})
