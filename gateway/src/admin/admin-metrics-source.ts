import type { RouteCounters } from '../metrics/gateway-metrics.js'

/**
 * What the admin API reads metrics from. A GatewayMetrics fits as it is; the cluster primary passes a
 * source that gathers and sums the workers' metrics.
 */
export interface AdminMetricsSource {
  snapshot(): Record<string, RouteCounters> | Promise<Record<string, RouteCounters>>
  readonly registry: { readonly contentType: string; metrics(): Promise<string> }
}
