import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { createAuditService, type AuditService } from '../../audit-service/src/worker/audit-service.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { closeInOrder, type CloseStep, freePort, waitFor, type TestServer, startInfluxd, type TestInflux, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { differingRoutesYaml, startDifferingUpstreams } from './differing-upstreams.js'

export const E2E_DB = 'shadowgate'
const PREFIX = 'e2e'
/** Retry delays of both InfluxDB writers: an outage of a few seconds is retried many times, not once. */
const INFLUX_RETRY = { minRetryDelayMs: 100, maxRetryDelayMs: 300 }
/** Limit of one close step of a process the stack started: ManagedProcess SIGKILLs after 5 s of SIGTERM. */
const PROCESS_CLOSE_MS = 8_000
/** Limit of one in-process close step (a client, the gateway); the worker gets its shutdownTimeout on top. */
const CLIENT_CLOSE_MS = 8_000
const WORKER_SHUTDOWN_MS = 10_000
/** Limit of bringing back a Redis or InfluxDB a test left stopped, before the clients close. */
const RESTART_MS = 20_000
/** The longest close() can take, every step overrunning: hooks that close a stack allow this much. */
export const E2E_CLOSE_LIMIT_MS = RESTART_MS + 4 * CLIENT_CLOSE_MS + WORKER_SHUTDOWN_MS + 2 * PROCESS_CLOSE_MS + 5_000

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
  /**
   * Closes everything this stack started, in order, each step bounded (a process past its limit is
   * SIGKILLed) and every step run even when one fails; then rejects naming each step that failed.
   * Idempotent.
   */
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
worker: { concurrency: 4, shutdownTimeout: ${WORKER_SHUTDOWN_MS}ms }
${differingRoutesYaml(downShadow)}
`
}

export async function startE2eStack(): Promise<E2eStack> {
  // The InfluxDB client logs every failed attempt on the console; the writers count them.
  setLogger({ error: () => undefined, warn: () => undefined })
  const logger = pino({ level: 'silent' })
  // Pushed in start order, closed in reverse: clients before the servers they talk to.
  const steps: CloseStep[] = []
  const closeAll = (): Promise<void> => closeInOrder(steps.splice(0).reverse())
  try {
    // Started together; whichever started is closed even when another failed to.
    const [redisStart, influxStart, upstreamsStart] = await Promise.allSettled([startRedis(), startInfluxd(), startDifferingUpstreams()])
    if (redisStart.status === 'fulfilled') {
      const r = redisStart.value
      steps.push({ name: 'redis-server', limitMs: PROCESS_CLOSE_MS, close: () => r.close(), kill: () => r.kill() })
    }
    if (influxStart.status === 'fulfilled') {
      const i = influxStart.value
      steps.push({ name: 'influxd', limitMs: PROCESS_CLOSE_MS, close: () => i.close(), kill: () => i.kill() })
    }
    if (upstreamsStart.status === 'fulfilled') {
      const u = upstreamsStart.value
      steps.push({ name: 'the upstreams', limitMs: CLIENT_CLOSE_MS, close: () => Promise.all([u.primary.close(), u.shadow.close()]) })
    }
    if (redisStart.status === 'rejected') throw redisStart.reason
    if (influxStart.status === 'rejected') throw influxStart.reason
    if (upstreamsStart.status === 'rejected') throw upstreamsStart.reason
    const [redis, influx, upstreams] = [redisStart.value, influxStart.value, upstreamsStart.value]
    await influx.createDatabase(E2E_DB)
    // Nothing listens on this port: copies to it are refused (shadow_error).
    const downShadow = `http://127.0.0.1:${await freePort()}`
    const config = parseConfig(configYaml(upstreams.primary.url, upstreams.shadow.url, downShadow, redis.url, influx.url))

    const worker = createAuditService(config, { logger, influx: INFLUX_RETRY, influxRetryDelayMs: { min: 100, max: 300 } })
    steps.push({ name: 'the audit worker', limitMs: WORKER_SHUTDOWN_MS + CLIENT_CLOSE_MS, close: () => worker.close() })
    await worker.start()
    const gateway = await createGatewayService(config, { logger, instanceId: 'e2e-gw', drainTimeoutMs: 2_000, runtimePollMs: 60_000, influx: INFLUX_RETRY })
    let gatewayClosed: Promise<void> | undefined
    const closeGateway = (): Promise<void> => (gatewayClosed ??= gateway.close())
    steps.push({ name: 'the gateway', limitMs: CLIENT_CLOSE_MS, close: closeGateway })
    const { traffic } = await gateway.listen()
    // The producer connects in the background and counts pairs as dropped_redis until it is
    // connected: traffic sent before that (a slow connect under load) would be dropped by design.
    await waitFor(() => gateway.auditStats()?.redisConnected === true, 20_000, "the gateway's audit producer to connect to Redis")
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX, skipMetasUpdate: true })
    // Closed first, while Redis still runs, so it cannot hang on a reconnect.
    steps.push({ name: 'the queue view', limitMs: CLIENT_CLOSE_MS, close: () => queue.close() })
    // Before any client: a test that failed while Redis or InfluxDB was stopped leaves them stopped,
    // and the clients' closes would wait for them to come back (start() is a no-op on a running one).
    steps.push({ name: 'restarting stopped servers', limitMs: RESTART_MS, close: () => Promise.all([redis.start(), influx.start()]) })

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
    // The start-up error is the one to see; a close error beside it is attached, not lost.
    await closeAll().catch((closeErr: unknown) => {
      if (err instanceof Error) err.message += `\n(and while closing what had started: ${closeErr instanceof Error ? closeErr.message : String(closeErr)})`
    })
    throw err
  }
}
