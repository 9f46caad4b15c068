import { decodeLoadRamp, type LoadRamp } from './load-ramp.js'
import { mirrorTtlProblem } from './mirror-ttl.js'
import { decodeStoredStage, stageJson, type StoredStage } from './stored-stage.js'

/**
 * A runtime mirror setting as it is stored (one field of the Redis hash `runtimeSettingsKey(prefix)`,
 * keyed by route name) and announced between instances. The encoded JSON string is the unit of
 * comparison: instances compare-and-set on it, so its key order is fixed.
 */
export interface StoredMirrorSetting {
  /** Mirror percent in force until `expiresAt` (0 to mirror.maxAmplification × 100, fractional allowed). */
  readonly percent: number
  /** Epoch ms after which the setting reverts to `revertTo`; null for a lasting change. */
  readonly expiresAt: number | null
  /** Percent in force after `expiresAt`; null for a lasting change. */
  readonly revertTo: number | null
  /** Epoch ms of the change. */
  readonly updatedAt: number
  /** Who made the change (admin caller, or `ttl` for an expiry revert). */
  readonly by: string
  /** A load ramp (running or ended); while it runs, its schedule decides the percent. Absent: none. */
  readonly load?: LoadRamp | undefined
  /** The route's migration stage, once one was set at run time; absent: the config file's stage. */
  readonly migration?: StoredStage | undefined
}

/** Encodes with a fixed key order so equal settings always give byte-equal strings. */
export function encodeStoredSetting(s: StoredMirrorSetting): string {
  const base: Record<string, unknown> = { percent: s.percent, expiresAt: s.expiresAt, revertTo: s.revertTo, updatedAt: s.updatedAt, by: s.by }
  // Each optional part is added only when present (load before migration), so a setting without
  // them encodes as it always did.
  if (s.load !== undefined) {
    const r = s.load
    base['load'] = { from: r.from, to: r.to, step: r.step, everyMs: r.everyMs, startedAt: r.startedAt, endsAt: r.endsAt, reason: r.reason, by: r.by, state: r.state, stoppedAt: r.stoppedAt, stopReason: r.stopReason, stoppedPercent: r.stoppedPercent, figures: r.figures }
  }
  if (s.migration !== undefined) base['migration'] = stageJson(s.migration)
  return JSON.stringify(base)
}

function isPercent(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max
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
export function decodeStoredSetting(raw: string, maxPercent = 100): StoredMirrorSetting | undefined {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  if (!isPercent(o['percent'], maxPercent)) return undefined
  const expiresAt = o['expiresAt'] ?? null
  const revertTo = o['revertTo'] ?? null
  if (!(expiresAt === null || isTime(expiresAt)) || !(revertTo === null || isPercent(revertTo, maxPercent))) return undefined
  if (expiresAt !== null && revertTo === null) return undefined
  const updatedAt = o['updatedAt'] ?? (expiresAt === null ? 0 : undefined)
  if (!isTime(updatedAt)) return undefined
  if (expiresAt !== null && mirrorTtlProblem(expiresAt - updatedAt) !== undefined) return undefined
  const by = typeof o['by'] === 'string' ? o['by'] : 'unknown'
  let load: LoadRamp | undefined
  if (o['load'] !== undefined) {
    load = decodeLoadRamp(o['load'], maxPercent)
    if (load === undefined) return undefined
  }
  let migration: StoredStage | undefined
  if (o['migration'] !== undefined) {
    migration = decodeStoredStage(o['migration'])
    if (migration === undefined) return undefined
  }
  return {
    percent: o['percent'], expiresAt, revertTo, updatedAt, by,
    ...(load === undefined ? {} : { load }),
    ...(migration === undefined ? {} : { migration }),
  }
}
