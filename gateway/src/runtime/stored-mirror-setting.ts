import { mirrorTtlProblem } from './mirror-ttl.js'
import { decodeStoredStage, stageJson, type StoredStage } from './stored-stage.js'

/**
 * A runtime mirror setting as it is stored (one field of the Redis hash `runtimeSettingsKey(prefix)`,
 * keyed by route name) and announced between instances. The encoded JSON string is the unit of
 * comparison: instances compare-and-set on it, so its key order is fixed.
 */
export interface StoredMirrorSetting {
  /** Mirror percent in force until `expiresAt` (0-100, fractional allowed). */
  readonly percent: number
  /** Epoch ms after which the setting reverts to `revertTo`; null for a lasting change. */
  readonly expiresAt: number | null
  /** Percent in force after `expiresAt`; null for a lasting change. */
  readonly revertTo: number | null
  /** Epoch ms of the change. */
  readonly updatedAt: number
  /** Who made the change (admin caller, or `ttl` for an expiry revert). */
  readonly by: string
  /** The route's migration stage, once one was set at run time; absent: the config file's stage. */
  readonly migration?: StoredStage | undefined
}

/** Encodes with a fixed key order so equal settings always give byte-equal strings. */
export function encodeStoredSetting(s: StoredMirrorSetting): string {
  const base = { percent: s.percent, expiresAt: s.expiresAt, revertTo: s.revertTo, updatedAt: s.updatedAt, by: s.by }
  // Added only when present, so a setting without a stage encodes as it always did.
  return JSON.stringify(s.migration === undefined ? base : { ...base, migration: stageJson(s.migration) })
}

function isPercent(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100
}

/** Latest instant a JavaScript Date holds: a later one makes toISOString() throw. */
const MAX_EPOCH_MS = 8.64e15

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_EPOCH_MS
}

/**
 * Decodes a stored value; returns undefined when it is not a valid setting (the caller logs, counts
 * and ignores it). Whatever Redis holds is untrusted: another version, a hand edit or a bug may have
 * written it, so a temporary change must also be one the admin API could have made (its ttl, from
 * `updatedAt` to `expiresAt`, within MAX_MIRROR_TTL_MS), and every time must be a valid date.
 */
export function decodeStoredSetting(raw: string): StoredMirrorSetting | undefined {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  if (!isPercent(o['percent'])) return undefined
  const expiresAt = o['expiresAt'] ?? null
  const revertTo = o['revertTo'] ?? null
  if (!(expiresAt === null || isTime(expiresAt)) || !(revertTo === null || isPercent(revertTo))) return undefined
  if (expiresAt !== null && revertTo === null) return undefined
  const updatedAt = o['updatedAt'] ?? (expiresAt === null ? 0 : undefined)
  if (!isTime(updatedAt)) return undefined
  if (expiresAt !== null && mirrorTtlProblem(expiresAt - updatedAt) !== undefined) return undefined
  const by = typeof o['by'] === 'string' ? o['by'] : 'unknown'
  if (o['migration'] === undefined) return { percent: o['percent'], expiresAt, revertTo, updatedAt, by }
  const migration = decodeStoredStage(o['migration'])
  if (migration === undefined) return undefined
  return { percent: o['percent'], expiresAt, revertTo, updatedAt, by, migration }
}
