import type { MigrationStage } from '@shadowgate/shared'
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
