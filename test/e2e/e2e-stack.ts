import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { createAuditService, type AuditService } from '../../audit-service/src/worker/audit-service.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { freePort, waitFor } from '../helpers/free-port.js'
import type { TestServer } from '../helpers/http-server.js'
import { startInfluxd, type TestInflux } from '../helpers/influxd.js'
import { startRedis, type TestRedis } from '../helpers/redis-server.js'
import { differingRoutesYaml, startDifferingUpstreams } from './differing-upstreams.js'

export const E2E_DB = 'shadowgate'
const PREFIX = 'e2e'
/** Retry delays of both InfluxDB writers: an outage of a few seconds is retried many times, not once. */
const INFLUX_RETRY = { minRetryDelayMs: 100, maxRetryDelayMs: 300 }

/** Everything real: redis-server, influxd, primary and shadow servers, the gateway service and the audit worker. */
export interface E2eStack {
  readonly redis: TestRedis
  readonly influx: TestInflux
  readonly primary: TestServer
  readonly shadow: TestServer
  readonly config: ShadowgateConfig
  readonly gateway: GatewayService
  readonly worker: AuditService
  /** Base URL of the gateway's traffic listener. */
  readonly traffic: string
  /** A read-only view of the audit queue (it never rewrites the queue's settings). */
  readonly queue: Queue
  /**
   * Waits (bounded) until every mirrored request's pair was enqueued or counted, the queue is
   * empty and the worker's InfluxDB writer has nothing pending. Requires Redis to be up.
   */
  drain(timeoutMs?: number): Promise<void>
  /** Closes the gateway: its last counter window is written and its producer flushed. Idempotent. */
  closeGateway(): Promise<void>
  /** Closes everything this stack started. Idempotent. */
  close(): Promise<void>
}

/** Sum of mirrored requests over every route, from the gateway's own counters. */
export function mirroredTotal(gateway: GatewayService): number {
  return Object.values(gateway.metrics.snapshot()).reduce((n, c) => n + c.mirrored, 0)
}

/** Whether every pair the producer was offered has ended as not sampled, enqueued or dropped. */
export function producerIdle(gateway: GatewayService): boolean {
  const s = gateway.auditStats()
  if (!s) return true
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0)
  return s.buffered === 0 && s.inFlight === 0 && s.offered === s.notSampled + s.enqueued + dropped
}

function configYaml(primary: string, shadow: string, downShadow: string, redisUrl: string, influxUrl: string): string {
  return `
primary: ${primary}
shadow: ${shadow}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
redis: { url: "${redisUrl}", prefix: ${PREFIX} }
influx: { url: "${influxUrl}", database: ${E2E_DB}, flushInterval: 50ms, gatewayWindow: 1s, maxRetries: 1000 }
worker: { concurrency: 4, shutdownTimeout: 10s }
${differingRoutesYaml(downShadow)}
`
}

export async function startE2eStack(): Promise<E2eStack> {
  // The InfluxDB client logs every failed attempt on the console; the writers count them.
  setLogger({ error: () => undefined, warn: () => undefined })
  const logger = pino({ level: 'silent' })
  const closers: (() => Promise<void>)[] = []
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined)
  }
  try {
    const [redis, influx, upstreams] = await Promise.all([startRedis(), startInfluxd(), startDifferingUpstreams()])
    closers.push(() => redis.close(), () => influx.close(), () => upstreams.primary.close(), () => upstreams.shadow.close())
    await influx.createDatabase(E2E_DB)
    // Nothing listens on this port: copies to it are refused (shadow_error).
    const downShadow = `http://127.0.0.1:${await freePort()}`
    const config = parseConfig(configYaml(upstreams.primary.url, upstreams.shadow.url, downShadow, redis.url, influx.url))

    const worker = createAuditService(config, { logger, influx: INFLUX_RETRY, influxRetryDelayMs: { min: 100, max: 300 } })
    closers.push(() => worker.close())
    await worker.start()
    const gateway = await createGatewayService(config, { logger, instanceId: 'e2e-gw', drainTimeoutMs: 2_000, runtimePollMs: 60_000, influx: INFLUX_RETRY })
    let gatewayClosed: Promise<void> | undefined
    const closeGateway = (): Promise<void> => (gatewayClosed ??= gateway.close())
    closers.push(closeGateway)
    const { traffic } = await gateway.listen()
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX, skipMetasUpdate: true })
    // Closed first, while Redis still runs, so it cannot hang on a reconnect.
    closers.push(() => queue.close())

    let closing: Promise<void> | undefined
    return {
      redis,
      influx,
      primary: upstreams.primary,
      shadow: upstreams.shadow,
      config,
      gateway,
      worker,
      traffic,
      queue,
      async drain(timeoutMs = 60_000) {
        await waitFor(() => producerIdle(gateway), timeoutMs, 'the producer to enqueue or count every pair')
        await waitFor(
          async () => {
            const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')
            return Object.values(c).every((n) => n === 0)
          },
          timeoutMs,
          'the audit queue to be empty',
        )
        await waitFor(() => (worker.influxStats()?.pendingLines ?? 0) === 0, timeoutMs, 'the worker to deliver its points to InfluxDB')
      },
      closeGateway,
      close: () => (closing ??= closeAll()),
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}
