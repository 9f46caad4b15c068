import type { Logger } from 'pino'
import type { ShadowgateConfig } from '@shadowgate/shared'
import { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { guardHandler } from '../runtime/guard-handler.js'
import { isPrimaryMessage } from './cluster-messages.js'
import { ClusterRuntimeStore } from './cluster-runtime-store.js'
import { answerStatsRequests } from './cluster-stats-responder.js'
import { createGatewayService } from './gateway-service.js'
import { gracefulShutdown } from './graceful-shutdown.js'

/**
 * Server entry of a cluster worker: serves traffic on the shared port, without an admin listener.
 * Runtime settings come from Redis when configured, else from the primary over IPC. It drains and
 * exits when the primary asks, when the primary goes away, or on a signal; while the primary is
 * connected a signal never forces an exit (see gracefulShutdown's `supervised`).
 */
export async function runClusterWorker(config: ShadowgateConfig, opts: { logger: Logger }): Promise<number> {
  const logger = opts.logger.child({ worker: process.pid })
  const metrics = new GatewayMetrics({ defaultMetrics: true })
  const guard = { logger, faults: metrics.faults }
  const store = config.redis ? undefined : new ClusterRuntimeStore(guard)
  const service = await createGatewayService(config, { logger, admin: false, runtimeStore: store, metrics })
  const stopStats = answerStatsRequests(service.metrics, guard)
  const shutdown = gracefulShutdown({
    logger,
    supervised: () => process.connected === true,
    close: async () => {
      stopStats()
      await service.close()
      await store?.close()
    },
  })
  process.on('message', guardHandler(guard, 'cluster-shutdown-message', (m: unknown) => {
    if (isPrimaryMessage(m) && m.type === 'shadowgate:shutdown') shutdown.trigger('asked by the cluster primary')
  }))
  process.on('disconnect', guardHandler(guard, 'cluster-disconnect', () => shutdown.trigger('the cluster primary went away')))
  try {
    await service.listen()
  } catch (err) {
    logger.error({ err }, 'could not start listening')
    shutdown.trigger('start-up failed')
    await shutdown.done
    return 1
  }
  logger.info('gateway worker listening')
  return await shutdown.done
}
