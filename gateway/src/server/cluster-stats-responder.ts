import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { isPrimaryMessage, type WorkerMessage } from './cluster-messages.js'

/** In a cluster worker: answers the primary's requests for this worker's counters and metrics. Returns a function that stops answering. */
export function answerStatsRequests(metrics: GatewayMetrics): () => void {
  const onMessage = (m: unknown): void => {
    if (!isPrimaryMessage(m) || m.type !== 'shadowgate:stats-request' || !process.send) return
    const id = m.id
    void metrics.registry.getMetricsAsJSON().then(
      (json) => {
        const msg: WorkerMessage = { type: 'shadowgate:stats', id, counters: metrics.snapshot(), metrics: json }
        process.send?.(msg, undefined, undefined, (err: Error | null) => void err)
      },
      () => undefined,
    )
  }
  process.on('message', onMessage)
  return () => process.off('message', onMessage)
}
