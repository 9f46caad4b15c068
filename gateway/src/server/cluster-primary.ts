import { hostname } from 'node:os'
import type { AddressInfo } from 'node:net'
import { InfluxWriter } from '@shadowgate/influx'
import type { Logger } from 'pino'
import type { ShadowgateConfig } from '@shadowgate/shared'
import { Registry } from 'prom-client'
import { buildAdmin } from '../admin/build-admin.js'
import { createWriteLogParts } from '../writes/write-log-parts.js'
import { CutoverCoordinator } from '../cutover/cutover-coordinator.js'
import { cutoverKeys } from '../cutover/cutover-messages.js'
import { cutoverCommandClient, readyClient } from '../cutover/cutover-redis.js'
import { WriteCutoverCheck } from '../cutover/write-cutover-check.js'
import { cutoverOutcomePoints } from './cutover-outcome-points.js'
import { FaultCounters } from '../metrics/fault-counters.js'
import { RedisRuntimeStore } from '../runtime/redis-runtime-store.js'
import { RuntimeSettings } from '../runtime/runtime-settings.js'
import { ClusterMetrics } from './cluster-metrics.js'
import { relayRuntimeToWorkers } from './cluster-runtime-relay.js'
import { gracefulShutdown } from './graceful-shutdown.js'
import { stageChangePoints } from './stage-change-points.js'
import { WorkerSupervisor } from './worker-supervisor.js'

/**
 * Server entry of the cluster primary (`shadowgate gateway --workers N`): it forks N traffic workers
 * sharing the port and runs the single admin listener. Runtime changes reach the workers through
 * Redis when configured, else over IPC from this process; /routes and /metrics sum the workers.
 */
export async function runClusterPrimary(config: ShadowgateConfig, opts: { logger: Logger; workers: number }): Promise<number> {
  const { logger } = opts
  // The primary's own series (what it rejected or survived) join the workers' in /metrics.
  const registry = new Registry()
  const faults = new FaultCounters(registry)
  const guard = { logger, faults }
  const store = config.redis ? new RedisRuntimeStore({ redis: config.redis, prefix: config.redis.prefix, logger, faults }) : undefined
  if (!store) logger.warn('no redis configured: runtime changes reach this cluster\'s workers over IPC only, and audit capture is off')
  // The admin listener is here, so stage changes are made (and recorded in InfluxDB) here.
  const stageWriter = config.influx ? new InfluxWriter(config.influx, { logger, closeTimeoutMs: 2_000 }) : undefined
  const onStageChange = stageWriter ? stageChangePoints(stageWriter, `${hostname()}-${process.pid}`) : undefined
  const settings = new RuntimeSettings(config, { logger, store, faults, onStageChange })
  await settings.start()
  const stopRelay = store ? undefined : relayRuntimeToWorkers(settings, guard)
  const metrics = new ClusterMetrics({ guard, local: registry })
  let closing = false
  const drainMs = config.proxy.timeoutMs + 1_000
  let failed = false
  const supervisor = new WorkerSupervisor({
    count: opts.workers,
    logger,
    faults,
    onGiveUp: () => {
      failed = true
      shutdown.trigger('workers cannot start')
    },
  })
  // Cut-overs are coordinated here (the workers take part like any gateway sharing the Redis).
  const cutoverRedis = config.redis ? cutoverCommandClient(config.redis) : undefined
  // The workers log the writes; the primary serves the write log's admin endpoints.
  const writeParts = config.admin.enabled ? createWriteLogParts(config, logger, faults) : undefined
  const writeCheck = writeParts ? new WriteCutoverCheck({ config, stages: writeParts.stages, redis: () => readyClient(cutoverRedis), logger }) : undefined
  const cutover = new CutoverCoordinator({
    settings,
    cutover: config.cutover,
    keys: cutoverKeys(config.redis?.prefix ?? ''),
    redis: () => readyClient(cutoverRedis),
    hasRedis: cutoverRedis !== undefined,
    precondition: writeCheck && ((route, ctx) => writeCheck.precondition(route, ctx)),
    onCommit: writeCheck && ((route, to) => writeCheck.afterCommit(route, to)),
    logger,
    onOutcome: stageWriter ? cutoverOutcomePoints(stageWriter, `${hostname()}-${process.pid}`) : undefined,
  })
  const admin = config.admin.enabled
    ? await buildAdmin({ config, settings, metrics, logger, ready: () => !closing && supervisor.listeningCount() > 0, writes: writeParts, cutover })
    : undefined
  const shutdown = gracefulShutdown({
    logger,
    force: () => supervisor.kill(),
    close: async () => {
      closing = true
      // Workers get the drain budget plus a margin for their own clean-up before they are killed.
      await supervisor.stop(drainMs + 5_000)
      await admin?.close()
      await writeParts?.close()
      metrics.close()
      stopRelay?.()
      settings.close()
      await stageWriter?.close()
      cutoverRedis?.disconnect()
      await store?.close()
    },
  })
  supervisor.start()
  if (admin) {
    try {
      await admin.listen({ host: config.admin.host, port: config.admin.port })
    } catch (err) {
      logger.error({ err }, 'could not start the admin listener')
      failed = true
      shutdown.trigger('start-up failed')
    }
  }
  if (!failed) {
    const a = admin?.server.address() as AddressInfo | undefined
    logger.info(
      { traffic: `http://${config.listen.host}:${config.listen.port}`, admin: a ? `http://${a.address}:${a.port}` : 'disabled', workers: opts.workers },
      'shadowgate cluster primary started',
    )
  }
  const code = await shutdown.done
  return failed ? 1 : code
}
