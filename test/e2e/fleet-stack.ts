import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { createAuditService, type AuditService } from '../../audit-service/src/worker/audit-service.js'
import { createRedisClient, type RedisClient } from '../../gateway/src/create-redis-client.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { closeInOrder, type CloseStep, freePort, startInfluxd, waitFor, type TestInflux } from '@shadowgate/dev-helpers'
import { differingRoutesYaml, startDifferingUpstreams } from './differing-upstreams.js'
import { E2E_DB, producerIdle } from './e2e-stack.js'

const INFLUX_RETRY = { minRetryDelayMs: 100, maxRetryDelayMs: 300 }
/** Limit of one close step; the whole close takes at most FLEET_CLOSE_LIMIT_MS. */
const CLOSE_MS = 15_000
export const FLEET_CLOSE_LIMIT_MS = 8 * CLOSE_MS

/** A Redis deployment a fleet runs on: the `redis` YAML value and how to stop it. */
export interface FleetRedis {
  readonly yaml: string
  close(): Promise<void>
}

/** Two gateways and one audit worker on one Redis deployment, with real upstreams and a real influxd. */
export interface FleetStack {
  readonly influx: TestInflux
  readonly config: ShadowgateConfig
  readonly worker: AuditService
  readonly a: GatewayService
  readonly b: GatewayService
  readonly trafficA: string
  readonly trafficB: string
  /** A client of the test's own on the same deployment. */
  readonly redis: RedisClient
  /** Bounded: both producers idle, the queue empty, the worker's points delivered. */
  drain(timeoutMs?: number): Promise<void>
  /** Closes everything, each step bounded, clients before servers. Idempotent. */
  close(): Promise<void>
}

export function droppedTotal(g: GatewayService): number {
  return Object.values(g.auditStats()?.dropped ?? {}).reduce((x, y) => x + y, 0)
}

export async function startFleetStack(startRedis: () => Promise<FleetRedis>): Promise<FleetStack> {
  setLogger({ error: () => undefined, warn: () => undefined })
  const logger = pino({ level: 'silent' })
  const steps: CloseStep[] = []
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => (closing ??= closeInOrder(steps.splice(0).reverse()))
  try {
    const [redisStart, influxStart, upstreamsStart] = await Promise.allSettled([startRedis(), startInfluxd(), startDifferingUpstreams()])
    if (redisStart.status === 'fulfilled') steps.push({ name: 'redis', limitMs: CLOSE_MS, close: () => redisStart.value.close() })
    if (influxStart.status === 'fulfilled') steps.push({ name: 'influxd', limitMs: CLOSE_MS, close: () => influxStart.value.close(), kill: () => influxStart.value.kill() })
    if (upstreamsStart.status === 'fulfilled') steps.push({ name: 'upstreams', limitMs: CLOSE_MS, close: () => Promise.all([upstreamsStart.value.primary.close(), upstreamsStart.value.shadow.close()]) })
    if (redisStart.status === 'rejected') throw redisStart.reason
    if (influxStart.status === 'rejected') throw influxStart.reason
    if (upstreamsStart.status === 'rejected') throw upstreamsStart.reason
    const [redisYaml, influx, upstreams] = [redisStart.value.yaml, influxStart.value, upstreamsStart.value]
    await influx.createDatabase(E2E_DB)
    const config = parseConfig(`
primary: ${upstreams.primary.url}
shadow: ${upstreams.shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
redis: ${redisYaml}
influx: { url: "${influx.url}", database: ${E2E_DB}, flushInterval: 50ms, gatewayWindow: 1s, maxRetries: 1000 }
worker: { concurrency: 4, shutdownTimeout: 10s }
${differingRoutesYaml(`http://127.0.0.1:${await freePort()}`)}
`)
    if (!config.redis) throw new Error('the fleet needs a redis section')
    const worker = createAuditService(config, { logger, influx: INFLUX_RETRY })
    steps.push({ name: 'worker', limitMs: CLOSE_MS, close: () => worker.close() })
    await worker.start()
    const gateway = async (id: string): Promise<GatewayService> => {
      // A 60 s poll: a change seen within a test's wait came through the pub/sub announcement.
      const g = await createGatewayService(config, { logger, instanceId: id, drainTimeoutMs: 2_000, runtimePollMs: 60_000, influx: INFLUX_RETRY })
      steps.push({ name: id, limitMs: CLOSE_MS, close: () => g.close() })
      return g
    }
    const a = await gateway('gw-a')
    const b = await gateway('gw-b')
    const trafficA = (await a.listen()).traffic
    const trafficB = (await b.listen()).traffic
    const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 3 })
    redis.on('error', () => undefined)
    steps.push({ name: 'test client', limitMs: CLOSE_MS, close: async () => void redis.disconnect() })
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: redis, prefix: config.redis.prefix, skipMetasUpdate: true })
    steps.push({ name: 'queue view', limitMs: CLOSE_MS, close: () => queue.close() })
    await waitFor(
      () => [a, b].every((g) => g.auditStats()?.redisConnected === true && g.settings.storeState() === 'connected'),
      20_000,
      'both gateways to connect to Redis',
    )
    return {
      influx,
      config,
      worker,
      a,
      b,
      trafficA,
      trafficB,
      redis,
      async drain(timeoutMs = 30_000) {
        await waitFor(() => producerIdle(a) && producerIdle(b), timeoutMs, 'both producers to enqueue or count every pair')
        await waitFor(async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')).every((n) => n === 0), timeoutMs, 'the audit queue to be empty')
        await waitFor(() => (worker.influxStats()?.pendingLines ?? 0) === 0, timeoutMs, 'the worker to deliver its points')
      },
      close,
    }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }
}
