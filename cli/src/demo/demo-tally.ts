import type { Registry } from 'prom-client'
import type { RouteCounters } from '@shadowgate/gateway'

/** One route's figures: the gateway's counters and the audit worker's verdicts. */
export interface RouteTally {
  readonly route: string
  readonly requests: number
  readonly mirrored: number
  /** Pairs the worker judged, all outcomes. */
  readonly audited: number
  /** Audited pairs by outcome (match, mismatch, shadow_error, ...). */
  readonly outcomes: Readonly<Record<string, number>>
}

/** The whole pipeline at one moment, read from the real counters of the gateway and the worker. */
export interface DemoTally {
  readonly routes: ReadonlyMap<string, RouteTally>
  readonly requests: number
  readonly mirrored: number
  /** Pairs the gateway handed to the queue. */
  readonly enqueued: number
  /** Pairs the gateway accounted for in any way: enqueued, not sampled or dropped (with a reason). */
  readonly settledPairs: number
  /** Pairs dropped by the gateway, by reason (should stay empty in the demo). */
  readonly dropped: Readonly<Record<string, number>>
  readonly audited: number
  readonly mismatched: number
}

export interface TallySources {
  /** The gateway's per-route counters (GatewayMetrics.snapshot). */
  readonly gatewaySnapshot: () => Record<string, RouteCounters>
  /** The gateway's registry: shadowgate_audit_pairs_total{result}. */
  readonly gatewayRegistry: Registry
  /** The worker's registry: shadowgate_audit_jobs_total{route,outcome,reason}. */
  readonly auditRegistry: Registry
}

interface MetricValue {
  readonly value: number
  readonly labels: Readonly<Record<string, string | number | undefined>>
}

async function values(registry: Registry, name: string): Promise<readonly MetricValue[]> {
  const metric = registry.getSingleMetric(name)
  if (!metric) return []
  return (await metric.get()).values as readonly MetricValue[]
}

/** Reads the figures now. Prometheus counters are the same numbers the /metrics endpoints expose. */
export async function readDemoTally(src: TallySources): Promise<DemoTally> {
  const snapshot = src.gatewaySnapshot()
  const outcomes = new Map<string, Record<string, number>>()
  let audited = 0
  let mismatched = 0
  for (const v of await values(src.auditRegistry, 'shadowgate_audit_jobs_total')) {
    const route = String(v.labels['route'] ?? '')
    const outcome = String(v.labels['outcome'] ?? '')
    const byOutcome = outcomes.get(route) ?? {}
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + v.value
    outcomes.set(route, byOutcome)
    audited += v.value
    if (outcome === 'mismatch') mismatched += v.value
  }
  let enqueued = 0
  let settledPairs = 0
  const dropped: Record<string, number> = {}
  for (const v of await values(src.gatewayRegistry, 'shadowgate_audit_pairs_total')) {
    const result = String(v.labels['result'] ?? '')
    settledPairs += v.value
    if (result === 'enqueued') enqueued += v.value
    else if (result.startsWith('dropped_') && v.value > 0) dropped[result.slice('dropped_'.length)] = v.value
  }
  const routes = new Map<string, RouteTally>()
  let requests = 0
  let mirrored = 0
  for (const name of new Set([...Object.keys(snapshot), ...outcomes.keys()])) {
    const c = snapshot[name]
    const o = outcomes.get(name) ?? {}
    requests += c?.requests ?? 0
    mirrored += c?.mirrored ?? 0
    routes.set(name, { route: name, requests: c?.requests ?? 0, mirrored: c?.mirrored ?? 0, audited: Object.values(o).reduce((a, b) => a + b, 0), outcomes: o })
  }
  return { routes, requests, mirrored, enqueued, settledPairs, dropped, audited, mismatched }
}

/**
 * True once every mirrored request has become a pair the gateway accounted for and every enqueued
 * pair has been judged: what the report shows is then the whole run.
 */
export function auditDrained(t: DemoTally): boolean {
  return t.settledPairs >= t.mirrored && t.audited >= t.enqueued
}
