import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { guardHandler, type HandlerGuard } from '../runtime/guard-handler.js'
import { isPrimaryMessage, type WorkerMessage } from './cluster-messages.js'

/** In a cluster worker: answers the primary's requests for this worker's counters and metrics. Returns a function that stops answering. */
export function answerStatsRequests(metrics: GatewayMetrics, guard: HandlerGuard): () => void {
  const onMessage = guardHandler(guard, 'cluster-stats-request', async (m: unknown) => {
    if (!isPrimaryMessage(m) || m.type !== 'shadowgate:stats-request' || !process.send) return
    const id = m.id
    const json = await metrics.registry.getMetricsAsJSON()
    const msg: WorkerMessage = { type: 'shadowgate:stats', id, counters: metrics.snapshot(), metrics: json }
    process.send?.(msg, undefined, undefined, (err: Error | null) => void err)
  })
  process.on('message', onMessage)
  return () => process.off('message', onMessage)
}
