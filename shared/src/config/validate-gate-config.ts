import { parseDuration } from '../duration.js'
import type { ShadowgateConfigFile } from './config-schema.js'
import type { RouteGateConfig } from './config-types.js'

/** routes[].gate as the file gives it, checked and defaulted by the schema (bounds there, step order a cross-key rule). */
export type RouteGateFile = NonNullable<ShadowgateConfigFile['routes'][number]['gate']>

function ms(v: string | number): number {
  const out = parseDuration(v)
  if (out === undefined) throw new Error(`unchecked duration ${String(v)}`)
  return out
}

/** The runtime shape of a route's gate: durations in ms. */
export function routeGate(g: RouteGateFile): RouteGateConfig {
  return {
    auto: g.auto,
    autoPromote: g.autoPromote,
    intervalMs: ms(g.interval),
    minComparisons: g.minComparisons,
    maxMismatchRate: g.maxMismatchRate,
    max5xxRate: g.max5xxRate,
    max5xxFactor: g.max5xxFactor,
    abort5xxRate: g.abort5xxRate,
    maxLatencyFactor: g.maxLatencyFactor,
    latencySlackMs: ms(g.latencySlack),
    failureLimit: g.failureLimit,
    inconclusiveLimit: g.inconclusiveLimit,
    steps: [...g.steps],
    stepMinDurationMs: ms(g.stepMinDuration),
    stepMinComparisons: g.stepMinComparisons,
    webhook: g.webhook,
    webhookTimeoutMs: ms(g.webhookTimeout),
  }
}
