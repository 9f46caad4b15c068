/**
 * The stages of a route's read migration, in order. Which side serves and which is copied follows
 * from the stage:
 * - `passthrough`: the old side serves; nothing is copied.
 * - `shadow`: the old side serves; `mirror.percent` of reads is copied to the new side.
 * - `canary`: `serve.percent` of reads is served by the new side, with the old side called as its
 *   shadow; the rest behaves as in `shadow`.
 * - `final`: the new side serves everything; `mirror.percent` of reads is copied to the old side.
 */
export const MIGRATION_STAGES = ['passthrough', 'shadow', 'canary', 'final'] as const

export type MigrationStage = (typeof MIGRATION_STAGES)[number]

/** Which side of a migration answered the client: `old` (the route's old upstream) or `new`. */
export type ServedSide = 'old' | 'new'

/** Stage of a route that names none: today's behaviour, the old side serves and a share is copied. */
export const DEFAULT_STAGE: MigrationStage = 'shadow'

/** Copy share (to the old side) a route gets when it moves to `final` without naming one: a rollback stays informed. */
export const DEFAULT_FINAL_MIRROR_PERCENT = 10

export function isMigrationStage(v: unknown): v is MigrationStage {
  return typeof v === 'string' && (MIGRATION_STAGES as readonly string[]).includes(v)
}
