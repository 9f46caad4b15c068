import { hostname } from 'node:os'
import type { AddressInfo } from 'node:net'
import { GatewayCountersReporter, InfluxWriter, accessPoints, routePercentPoints, slowPoints, type InfluxWriterOptions, type InfluxWriterStats } from '@shadowgate/influx'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { ShadowgateConfig } from '@shadowgate/shared'
import { buildAdmin } from '../admin/build-admin.js'
import { buildGateway } from '../build-gateway.js'
import type { AuditProducerStats } from '../capture/audit-counters.js'
import { AuditProducer } from '../capture/audit-producer.js'
import { TrafficRecorder } from '../capture/traffic-recorder.js'
import { GateServedFigures, createGateFiguresConnection } from '../capture/gate-served-figures.js'
import { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { LoadWindow } from '../mirror/load-window.js'
import { RedisRuntimeStore } from '../runtime/redis-runtime-store.js'
import type { RuntimeStore } from '../runtime/runtime-store.js'
import { RuntimeSettings } from '../runtime/runtime-settings.js'
import { WriteLogAppender } from '../writes/write-log-appender.js'
import { createWriteLogParts } from '../writes/write-log-parts.js'
import { WriteRecorder } from '../writes/write-recorder.js'
import type { StageChange } from '../runtime/stage-move.js'
import { ConnectionDrain } from './connection-drain.js'
import { LoadBrakes } from './load-brakes.js'
import { SlowLogStore } from './slow-log-store.js'
import { CutoverCoordinator, composePreconditions, type CutoverPrecondition } from '../cutover/cutover-coordinator.js'
import { cutoverKeys } from '../cutover/cutover-messages.js'
import { CutoverParticipant } from '../cutover/cutover-participant.js'
import { CutoverRequestRunner } from '../cutover/cutover-request-runner.js'
import { cutoverOutcomePoints } from './cutover-outcome-points.js'
import { WriteCutoverCheck } from '../cutover/write-cutover-check.js'
import { WriteHookTracker } from '../cutover/write-hook-tracker.js'
import { stageChangePoints } from './stage-change-points.js'

export interface GatewayServiceOptions {
  readonly logger: Logger
  /** Identifies this instance in logs and audit jobs; default `${hostname}-${pid}`. */
  readonly instanceId?: string
  /** Whether to run the admin listener; default `config.admin.enabled`. Cluster workers leave it to the primary. */
  readonly admin?: boolean
  /** The process's metrics; default: a new GatewayMetrics with the process metrics (a cluster worker passes its own, shared with its IPC store). */
  readonly metrics?: GatewayMetrics
  /** Where runtime settings are shared; default: Redis when configured, else this process only. Not closed here. */
  readonly runtimeStore?: RuntimeStore
  /** Re-read period of the Redis runtime hash (safety net for missed announcements). */
  readonly runtimePollMs?: number
  /** Longest wait at close for in-flight requests; then their connections are cut. Default: proxy timeout + 1 s. */
  readonly drainTimeoutMs?: number
  /** Tuning of the InfluxDB writer of the `shadowgate_gateway` counters (retry delays, timeouts); used when config.influx is set. */
  readonly influx?: Omit<InfluxWriterOptions, 'logger'>
  /** Clock of the load ramp brakes (epoch ms); tests pass their own. */
  readonly now?: () => number
  /** A route's condition for committing a cut-over (e.g. write-log replay lag zero); default: none. */
  readonly cutoverPrecondition?: CutoverPrecondition
  /** Cut-over heartbeat period (default 1 s); tests shorten it. */
  readonly cutoverHeartbeatMs?: number
  /** How often this instance looks for cut-overs asked through Redis (the gate's promotion); default 250 ms. */
  readonly cutoverRequestPollMs?: number
}

/**
 * How long close() keeps delivering the last counter windows to an unreachable InfluxDB. Short,
 * so that drain + producer flush + this stays within the margin a cluster primary allows a worker.
 */
const COUNTERS_CLOSE_TIMEOUT_MS = 2_000
const WRITE_LOG_START_WAIT_MS = 2_000

/** Where the listeners ended up (ports resolved when the config says 0). */
export interface GatewayServiceAddresses {
  readonly traffic: string
  readonly admin: string | undefined
}

export interface GatewayService {
  readonly instanceId: string
  readonly settings: RuntimeSettings
  readonly metrics: GatewayMetrics
  readonly gateway: FastifyInstance
  readonly admin: FastifyInstance | undefined
  /** The brakes of load ramps on this instance (evaluated every load.interval). */
  readonly loadBrakes: LoadBrakes
  /** This instance's part in cut-overs; undefined without Redis. */
  readonly cutoverParticipant: CutoverParticipant | undefined
  /** Runs a cut-over from this instance (what the admin API calls). */
  readonly cutover: CutoverCoordinator
  listen(): Promise<GatewayServiceAddresses>
  /** True while the traffic listener accepts requests (false before listen and while closing). */
  ready(): boolean
  /** The audit producer's exact counters; undefined when audit capture is off (no Redis, or audit.enabled false). */
  auditStats(): AuditProducerStats | undefined
  /** Lines of `shadowgate_gateway` counters written to / dropped by InfluxDB; undefined without influx. */
  influxStats(): InfluxWriterStats | undefined
  /**
   * Graceful and idempotent: stop accepting, let in-flight requests finish, write the last counter
   * window to InfluxDB, then close the producer, the runtime and Redis.
   */
  close(): Promise<void>
}

function urlOf(app: FastifyInstance): string {
  const a = app.server.address() as AddressInfo
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
}

/**
 * Assembles a gateway instance: runtime settings (shared through Redis when configured), metrics,
 * the audit producer (when Redis and auditing are on), the `shadowgate_gateway` counters reporter
 * (when InfluxDB is configured), the traffic app and the admin app. Nothing listens until listen();
 * Redis or InfluxDB being down delays nothing.
 */
export async function createGatewayService(config: ShadowgateConfig, opts: GatewayServiceOptions): Promise<GatewayService> {
  const logger = opts.logger
  const instanceId = opts.instanceId ?? `${hostname()}-${process.pid}`
  const cleanups: (() => Promise<void> | void)[] = []
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn()
      } catch (err) {
        logger.error({ err }, 'error while closing the gateway')
      }
    }
  }
  try {
    const metrics = opts.metrics ?? new GatewayMetrics({ defaultMetrics: true })
    const faults = metrics.faults
    let store = opts.runtimeStore
    if (!store && config.redis) {
      const own = new RedisRuntimeStore({ redis: config.redis, prefix: config.redis.prefix, logger, pollMs: opts.runtimePollMs, faults })
      cleanups.push(() => own.close())
      store = own
    }
    if (!config.redis && !opts.runtimeStore) logger.warn('no redis configured: runtime changes stay on this instance and audit capture is off')
    // Bound once the InfluxDB writer exists: stage changes are recorded by the instance that makes them.
    let recordStage: ((change: StageChange) => void) | undefined
    const settings = new RuntimeSettings(config, { logger, store, faults, onStageChange: (c) => recordStage?.(c) })
    cleanups.push(() => settings.close())
    await settings.start()

    let producer: AuditProducer | undefined
    if (config.redis && config.audit.enabled) {
      const p = new AuditProducer(config, { metrics, instanceId, logger })
      cleanups.push(() => p.close())
      p.start()
      producer = p
    }

    let slowSink: SlowLogStore | undefined
    if (config.redis) {
      const own = new SlowLogStore({ redis: config.redis, prefix: config.redis.prefix, instance: instanceId, size: config.slowLog.size, ttlMs: config.slowLog.ttlMs, logger })
      cleanups.push(() => own.close())
      slowSink = own
    }
    const traffic = new TrafficRecorder(config, { metrics, log: logger.child({ instance: instanceId }), instance: instanceId, slowSink })

    // Per-window mirror counters (shadowgate_gateway). Writes are fire-and-forget into a bounded
    // buffer, so an InfluxDB that is down or slow costs memory up to the bound, never a request.
    let countersWriter: InfluxWriter | undefined
    if (config.influx) {
      const writer = new InfluxWriter(config.influx, { closeTimeoutMs: COUNTERS_CLOSE_TIMEOUT_MS, ...opts.influx, logger })
      cleanups.push(() => writer.close())
      const routes = config.routes.map((r) => r.name)
      const readOnly = new Set(config.routes.filter((r) => r.readOnly).map((r) => r.name))
      const windowPoints = (ts: string) => {
        const { access, slow } = traffic.drainWindow()
        const percents = new Map(routes.map((r) => [r, settings.mirrorPercent(r)]))
        return [...accessPoints(access, instanceId, ts, readOnly), ...slowPoints(slow, instanceId, ts), ...routePercentPoints(percents, instanceId, ts)]
      }
      const reporter = new GatewayCountersReporter({ writer, snapshot: () => metrics.snapshot(), instance: instanceId, windowMs: config.influx.gatewayWindowMs, windowPoints })
      // Closed after the traffic app (cleanups run in reverse), so its last window holds every request.
      cleanups.push(() => reporter.close())
      reporter.start()
      countersWriter = writer
      recordStage = stageChangePoints(writer, instanceId)
    }

    let gateFigures: GateServedFigures | undefined
    if (config.redis && config.routes.some((r) => r.gate !== undefined)) {
      const connection = createGateFiguresConnection(config.redis)
      connection.on('error', () => undefined)
      const figures = new GateServedFigures(connection, config.redis.prefix, config.routes, logger)
      cleanups.push(() => connection.disconnect())
      // Closed after the traffic app, so its last flush holds every request.
      cleanups.push(() => figures.close())
      figures.start()
      gateFigures = figures
    }

    const loadWindow = new LoadWindow()
    const loadBrakes = new LoadBrakes({ settings, window: loadWindow, writer: countersWriter, instanceId, intervalMs: config.load.intervalMs, logger, guard: { logger, faults }, now: opts.now })
    cleanups.push(() => loadBrakes.close())
    loadBrakes.start()

    // The write log: only when a route has one and Redis holds it.
    // Wrapped so that a cut-over knows when the writes it let through are in the log.
    let writeRecorder: WriteHookTracker | undefined
    const writeParts = createWriteLogParts(config, logger, faults)
    if (writeParts && config.redis) {
      cleanups.push(() => writeParts.close())
      const appender = new WriteLogAppender({ redis: config.redis, prefix: config.redis.prefix, instance: instanceId, logger })
      // Closed after the traffic app, so gaps counted by the last writes are still recorded.
      cleanups.push(() => appender.close())
      // Writes before the connection is up would all be gaps; the wait is bounded like the runtime store's.
      await appender.connected(WRITE_LOG_START_WAIT_MS)
      writeRecorder = new WriteHookTracker(new WriteRecorder({ config, stages: writeParts.stages, appender, instance: instanceId, logger }))
    }

    let participant: CutoverParticipant | undefined
    // Routes whose writes are replayed cut over only once the write log allows it (cutover/write-cutover-check.ts).
    const writeCheck = writeParts ? new WriteCutoverCheck({ config, stages: writeParts.stages, redis: () => participant?.client(), logger }) : undefined
    if (config.redis) {
      const p = new CutoverParticipant({ redis: config.redis, instanceId, settings, cutover: config.cutover, logger, faults, heartbeatMs: opts.cutoverHeartbeatMs, beforeRelease: writeCheck && ((route) => writeCheck.beforeRelease(route)), writesSettled: writeRecorder?.settled.bind(writeRecorder) })
      // Closed after the traffic app: held requests are released before the listener goes.
      cleanups.push(() => p.close())
      p.start()
      participant = p
    }
    const cutover = new CutoverCoordinator({
      settings,
      cutover: config.cutover,
      keys: cutoverKeys(config.redis?.prefix ?? ''),
      redis: () => participant?.client(),
      hasRedis: participant !== undefined,
      precondition: composePreconditions(writeCheck && ((route, ctx) => writeCheck.precondition(route, ctx)), opts.cutoverPrecondition),
      onCommit: writeCheck && ((route, to) => writeCheck.afterCommit(route, to)),
      logger,
      heartbeatMs: opts.cutoverHeartbeatMs,
      onOutcome: countersWriter === undefined ? undefined : cutoverOutcomePoints(countersWriter, instanceId),
    })
    if (participant !== undefined && config.redis) {
      // Cut-overs asked through Redis (the gate's promotion) run here; closed before the participant.
      const runner = new CutoverRequestRunner({ redis: () => participant?.client(), prefix: config.redis.prefix, instanceId, coordinator: cutover, logger, pollMs: opts.cutoverRequestPollMs })
      cleanups.push(() => runner.close())
      runner.start()
    }

    const gateway = await buildGateway(config, { logger, settings, metrics, pairSink: producer, instanceId, copyObserver: loadWindow, writeHook: writeRecorder, traffic, gateFigures, requestGate: participant?.hold })
    let gatewayClosed: Promise<void> | undefined
    const closeGateway = (): Promise<void> => (gatewayClosed ??= gateway.close())
    cleanups.push(closeGateway)
    const connections = new ConnectionDrain(gateway.server)

    let draining = false
    const ready = (): boolean => !draining && gateway.server.listening
    const adminOn = opts.admin ?? config.admin.enabled
    const admin = adminOn ? await buildAdmin({ config, settings, metrics, ready, logger, writes: writeParts, cutover }) : undefined
    if (admin) cleanups.push(() => admin.close())

    let closing: Promise<void> | undefined
    const drainTimeoutMs = opts.drainTimeoutMs ?? config.proxy.timeoutMs + 1_000
    return {
      instanceId,
      settings,
      metrics,
      gateway,
      admin,
      loadBrakes,
      cutoverParticipant: participant,
      cutover,
      async listen() {
        await gateway.listen({ host: config.listen.host, port: config.listen.port })
        if (admin) await admin.listen({ host: config.admin.host, port: config.admin.port })
        return { traffic: urlOf(gateway), admin: admin ? urlOf(admin) : undefined }
      },
      ready,
      auditStats: () => producer?.stats(),
      influxStats: () => countersWriter?.stats(),
      close() {
        closing ??= (async () => {
          draining = true
          // Stop accepting, keep serving open keep-alive connections (answers say `Connection: close`),
          // close idle ones after a grace and cut what is still open past the bound: no request a
          // client already sent is refused or reset.
          await connections.drain({ timeoutMs: drainTimeoutMs })
          await closeGateway()
          await cleanup()
        })()
        return closing
      },
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}
