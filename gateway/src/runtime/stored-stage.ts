import { isMigrationStage, type MigrationStage, type ServedSide } from '@shadowgate/shared'

/** The settings a stage runs with: what a move sets and what a rollback restores, exactly. */
export interface StageSettings {
  readonly stage: MigrationStage
  /** Percent of reads the new side serves in `canary` (kept, unused, in the other stages). */
  readonly serve: number
  /** Copy percent: to the new side before `final`, to the old side in `final`. */
  readonly mirror: number
}

/**
 * A route's migration state as it is stored, inside its runtime setting (see StoredMirrorSetting):
 * the stage in force, its serve percent, the write side and the settings of the stages before, so
 * a rollback restores the previous stage exactly on every instance.
 */
export interface StoredStage {
  readonly stage: MigrationStage
  readonly serve: number
  /**
   * Which side takes writes. A slot for the cut-over: always `old` today, and requests that are not
   * reads (not in the route's mirror methods) are served by the old side whatever the stage.
   */
  readonly writes: ServedSide
  /** Settings before each move, oldest first, at most MAX_STAGE_HISTORY. */
  readonly history: readonly StageSettings[]
}

/** Steps a route can roll back; older ones are forgotten (the change log keeps them). */
export const MAX_STAGE_HISTORY = 32

function isPercent(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100
}

function decodeSettings(v: unknown): StageSettings | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  if (!isMigrationStage(o['stage']) || !isPercent(o['serve']) || !isPercent(o['mirror'])) return undefined
  return { stage: o['stage'], serve: o['serve'], mirror: o['mirror'] }
}

/** Plain JSON with a fixed key order, so equal states encode to equal strings. */
export function stageJson(s: StoredStage): Record<string, unknown> {
  return { stage: s.stage, serve: s.serve, writes: s.writes, history: s.history.map((h) => ({ stage: h.stage, serve: h.serve, mirror: h.mirror })) }
}

/** Checks a stored migration state (untrusted: read from Redis); undefined when it is not valid. */
export function decodeStoredStage(v: unknown): StoredStage | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  if (!isMigrationStage(o['stage']) || !isPercent(o['serve'])) return undefined
  const writes = o['writes'] ?? 'old'
  if (writes !== 'old' && writes !== 'new') return undefined
  const rawHistory = o['history'] ?? []
  if (!Array.isArray(rawHistory) || rawHistory.length > MAX_STAGE_HISTORY) return undefined
  const history: StageSettings[] = []
  for (const h of rawHistory) {
    const step = decodeSettings(h)
    if (step === undefined) return undefined
    history.push(step)
  }
  return { stage: o['stage'], serve: o['serve'], writes, history }
}
