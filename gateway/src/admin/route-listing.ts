import { NOT_MIRRORED_REASONS, type NotMirroredReason } from '@shadowgate/shared'
import type { RouteCounters } from '../metrics/gateway-metrics.js'
import type { MirrorChange, RouteRuntimeView } from '../runtime/runtime-settings.js'
import type { StageSettings } from '../runtime/stored-stage.js'

/** A route in the admin API's JSON: times as ISO 8601 strings, counters since the instance(s) started. */
export interface RouteListingEntry {
  readonly name: string
  readonly match: string
  readonly methods: readonly string[] | null
  readonly percent: number
  readonly configuredPercent: number
  readonly expiresAt: string | null
  readonly ttlRemainingMs: number | null
  readonly revertTo: number | null
  readonly updatedAt: string | null
  readonly updatedBy: string | null
  readonly primary: string
  readonly shadow: string | null
  /** Migration stage in force with its serve and copy percents. */
  readonly stage: StageSettings
  readonly counters: RouteCounters
}

/** A change in the admin API's JSON. */
export interface MirrorChangeJson {
  readonly route: string
  readonly old: number
  readonly new: number
  readonly ttlMs: number | null
  readonly expiresAt: string | null
  readonly revertTo: number | null
  readonly at: string
  readonly by: string
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

function zeroCounters(): RouteCounters {
  return {
    requests: 0,
    mirrored: 0,
    notMirrored: Object.fromEntries(NOT_MIRRORED_REASONS.map((r) => [r, 0])) as Record<NotMirroredReason, number>,
    shadowErrors: 0,
  }
}

export function routeListingEntry(view: RouteRuntimeView, counters: RouteCounters | undefined, now: number): RouteListingEntry {
  return {
    name: view.name,
    match: view.match,
    methods: view.methods ?? null,
    percent: view.percent,
    configuredPercent: view.configuredPercent,
    expiresAt: iso(view.expiresAt),
    ttlRemainingMs: view.expiresAt === null ? null : Math.max(0, view.expiresAt - now),
    revertTo: view.revertTo,
    updatedAt: iso(view.updatedAt),
    updatedBy: view.updatedBy,
    primary: view.primary,
    shadow: view.shadow ?? null,
    stage: view.stage,
    counters: counters ?? zeroCounters(),
  }
}

export function mirrorChangeJson(c: MirrorChange): MirrorChangeJson {
  return { route: c.route, old: c.old, new: c.new, ttlMs: c.ttlMs, expiresAt: iso(c.expiresAt), revertTo: c.revertTo, at: new Date(c.at).toISOString(), by: c.by }
}
