import type { MigrationStage } from '@shadowgate/shared'
import { effectivePercent, lastingPercent, type RouteState } from './route-state.js'
import { currentStageSettings } from './stage-move.js'
import type { SettingUpdate } from './stored-setting-writer.js'
import type { StageSettings } from './stored-stage.js'

/** A route as the admin API lists it: file config plus the runtime state in force. */
export interface RouteRuntimeView {
  readonly name: string
  readonly match: string
  readonly methods: readonly string[] | undefined
  /** Mirror percent in force now. */
  readonly percent: number
  /** Mirror percent of the config file. */
  readonly configuredPercent: number
  /** Epoch ms when a temporary change reverts; null when none is active. */
  readonly expiresAt: number | null
  /** Percent in force after `expiresAt`. */
  readonly revertTo: number | null
  /** Epoch ms and author of the runtime change in force; null when the file config applies. */
  readonly updatedAt: number | null
  readonly updatedBy: string | null
  /** The old side (config `old`, alias `primary`). */
  readonly primary: string
  /** The new side (config `new`, alias `shadow`). */
  readonly shadow: string | undefined
  /** Migration stage in force, with its serve and copy percents. */
  readonly stage: StageSettings
  /** Stage of the config file. */
  readonly configuredStage: MigrationStage
  /** Where a rollback would go; null when there is no earlier stage. */
  readonly rollbackTo: StageSettings | null
  /** Side that takes writes (a slot for the cut-over; always `old` today). */
  readonly writes: 'old' | 'new'
}

/** One change of a route's mirror percent, as the admin API answers it and the log records it. */
export interface MirrorChange {
  readonly route: string
  readonly old: number
  readonly new: number
  readonly ttlMs: number | null
  readonly expiresAt: number | null
  readonly revertTo: number | null
  readonly at: number
  readonly by: string
}

/** A route as the admin API lists it at `now`. */
export function routeRuntimeView(s: RouteState, now: number): RouteRuntimeView {
  const active = s.stored?.expiresAt != null && s.stored.expiresAt > now
  return {
    name: s.config.name,
    match: s.config.match,
    methods: s.config.methods,
    percent: s.percent,
    configuredPercent: s.config.mirror.percent,
    expiresAt: active ? (s.stored?.expiresAt ?? null) : null,
    revertTo: active ? (s.stored?.revertTo ?? null) : null,
    updatedAt: s.stored?.updatedAt ?? null,
    updatedBy: s.stored?.by ?? null,
    primary: s.config.primary,
    shadow: s.config.shadow,
    stage: currentStageSettings(s.config, s.stored, lastingPercent(s, s.stored)),
    configuredStage: s.config.stage,
    rollbackTo: s.stored?.migration?.history.at(-1) ?? null,
    writes: s.stored?.migration?.writes ?? 'old',
  }
}

/** The change a written update made to a route's mirror percent; `resetBy` names who removed an override. */
export function mirrorChange(state: RouteState, { current, wanted, now }: SettingUpdate, resetBy?: string): MirrorChange {
  return {
    route: state.config.name,
    old: effectivePercent(state, current, now),
    new: effectivePercent(state, wanted, now),
    ttlMs: wanted?.expiresAt != null ? wanted.expiresAt - now : null,
    expiresAt: wanted?.expiresAt ?? null,
    revertTo: wanted?.revertTo ?? null,
    at: now,
    by: wanted?.by ?? resetBy ?? 'admin',
  }
}
