import type { Registry } from 'prom-client'
import type { RouteCounters } from '../metrics/gateway-metrics.js'

/** A registry's metrics as `getMetricsAsJSON()` gives them (what AggregatorRegistry.aggregate sums). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>

/** IPC between the cluster primary and its workers. Every type starts with `shadowgate:` so other IPC users (prom-client) are left alone. */
export type PrimaryMessage =
  /** The stored runtime overrides in force (answer to `runtime-request`). */
  | { readonly type: 'shadowgate:runtime-snapshot'; readonly values: readonly (readonly [string, string])[] }
  /** One route's stored runtime value changed (null: back to the config file). */
  | { readonly type: 'shadowgate:runtime-change'; readonly route: string; readonly value: string | null }
  /** Asks for the worker's counters and Prometheus metrics. */
  | { readonly type: 'shadowgate:stats-request'; readonly id: number }
  /** Drain and exit (sent instead of a signal, so it never counts as a second, forceful one). */
  | { readonly type: 'shadowgate:shutdown' }

export type WorkerMessage =
  | { readonly type: 'shadowgate:runtime-request' }
  | {
      readonly type: 'shadowgate:stats'
      readonly id: number
      readonly counters: Record<string, RouteCounters>
      readonly metrics: MetricsJson
    }

function typed(m: unknown): string | undefined {
  if (!m || typeof m !== 'object') return undefined
  const t = (m as { type?: unknown }).type
  return typeof t === 'string' && t.startsWith('shadowgate:') ? t : undefined
}

// IPC messages come from our own processes; the type tag is enough to tell them apart.
export function isPrimaryMessage(m: unknown): m is PrimaryMessage {
  const t = typed(m)
  return t === 'shadowgate:runtime-snapshot' || t === 'shadowgate:runtime-change' || t === 'shadowgate:stats-request' || t === 'shadowgate:shutdown'
}

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  const t = typed(m)
  return t === 'shadowgate:runtime-request' || t === 'shadowgate:stats'
}
