import type { RedisClient } from '../create-redis-client.js'
import {
  DEFAULT_FINAL_MIRROR_PERCENT,
  MIGRATION_LOG_LENGTH,
  RUNTIME_COMPARE_AND_SET_LUA,
  isMigrationStage,
  migrationLogKey,
  runtimeChangeMessage,
  runtimeChannel,
  runtimeSettingsKey,
  type MigrationStage,
  type RouteConfig,
} from '@shadowgate/shared'
import { GateStoredSettingError } from '../errors.js'

/** A stage with its settings, as the gateway's change log writes it. */
export interface GateStageSettings {
  readonly stage: MigrationStage
  readonly serve: number
  readonly mirror: number
}

/** A route's stage as the gate reads it, with the raw stored value it came from (for the compare-and-set). */
export interface GateRouteStage extends GateStageSettings {
  readonly raw: string | null
}

/** What the gate does to a route's stage. */
export type GateStageAction = { readonly kind: 'step'; readonly serve: number } | { readonly kind: 'rollback' } | { readonly kind: 'promote' }

/** Steps a route can roll back; the gateway keeps the same number (stored-stage.ts). */
const MAX_STAGE_HISTORY = 32

interface Stored {
  readonly percent: number
  readonly expiresAt: number | null
  readonly revertTo: number | null
  /** The route's load ramp as stored (the gateway's load-ramp.ts format), kept across the gate's moves. */
  readonly load?: Record<string, unknown> | undefined
  readonly migration?: { readonly stage: MigrationStage; readonly serve: number; readonly writes: 'old' | 'new'; readonly history: readonly GateStageSettings[] } | undefined
}

function isPercent(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function settings(v: unknown): GateStageSettings | undefined {
  const o = obj(v)
  if (!o || !isMigrationStage(o['stage']) || !isPercent(o['serve']) || !isPercent(o['mirror'])) return undefined
  return { stage: o['stage'], serve: o['serve'], mirror: o['mirror'] }
}

/**
 * The parts of a stored runtime setting (written by the gateway's runtime store, format in
 * gateway/src/runtime/stored-mirror-setting.ts) that a stage move reads; untrusted input.
 */
function decode(route: string, raw: string): Stored {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    throw new GateStoredSettingError(route, 'is not JSON')
  }
  const o = obj(v)
  if (!o || !isPercent(o['percent'])) throw new GateStoredSettingError(route, 'has no valid percent')
  const expiresAt = typeof o['expiresAt'] === 'number' ? o['expiresAt'] : null
  const revertTo = isPercent(o['revertTo']) ? o['revertTo'] : null
  const load = o['load'] === undefined ? undefined : obj(o['load'])
  if (o['load'] !== undefined && load === undefined) throw new GateStoredSettingError(route, 'has an invalid load ramp')
  if (o['migration'] === undefined) return { percent: o['percent'], expiresAt, revertTo, load }
  const m = obj(o['migration'])
  const writes = m?.['writes'] ?? 'old'
  const rawHistory = m?.['history'] ?? []
  if (!m || !isMigrationStage(m['stage']) || !isPercent(m['serve']) || (writes !== 'old' && writes !== 'new') || !Array.isArray(rawHistory) || rawHistory.length > MAX_STAGE_HISTORY) {
    throw new GateStoredSettingError(route, 'has an invalid migration state')
  }
  const history = rawHistory.map(settings)
  if (history.some((h) => h === undefined)) throw new GateStoredSettingError(route, 'has an invalid stage history')
  return { percent: o['percent'], expiresAt, revertTo, load, migration: { stage: m['stage'], serve: m['serve'], writes, history: history as GateStageSettings[] } }
}

/**
 * The route's load ramp across a move to `stage`, as the gateway's stage moves treat it (stage-move.ts):
 * kept in shadow and canary; a running one is stopped in passthrough and final, at the percent it reached.
 */
function rampAcross(load: Record<string, unknown> | undefined, stage: MigrationStage, now: number): Record<string, unknown> | undefined {
  if (load === undefined || load['state'] !== 'running' || stage === 'shadow' || stage === 'canary') return load
  const { from, to, step, everyMs, startedAt, endsAt } = load
  if (typeof from !== 'number' || typeof to !== 'number' || typeof step !== 'number' || typeof everyMs !== 'number' || typeof startedAt !== 'number' || typeof endsAt !== 'number') return load
  if (now >= endsAt) return load
  const at = Math.min(now, endsAt - 1)
  const reached = Math.min(to, from + step * (Math.floor(Math.max(0, at - startedAt) / everyMs) + 1))
  return { ...load, state: 'stopped', stoppedAt: now, stopReason: `stage moved to ${stage}`, stoppedPercent: reached, figures: null }
}

/** Same key order as the gateway's encoder (stored-mirror-setting.ts), so the value reads back byte-equal there. */
function encode(next: { percent: number; updatedAt: number; by: string; load: Record<string, unknown> | undefined; stage: MigrationStage; serve: number; writes: 'old' | 'new'; history: readonly GateStageSettings[] }): string {
  const base: Record<string, unknown> = { percent: next.percent, expiresAt: null, revertTo: null, updatedAt: next.updatedAt, by: next.by }
  if (next.load !== undefined) base['load'] = next.load
  base['migration'] = { stage: next.stage, serve: next.serve, writes: next.writes, history: next.history.map((h) => ({ stage: h.stage, serve: h.serve, mirror: h.mirror })) }
  return JSON.stringify(base)
}

/**
 * Reads and changes route stages in the gateways' runtime hash, through the same compare-and-set
 * (and change log) the gateway's runtime store uses, so every gateway applies the change within a
 * second and `shadowgate migrate status` shows it with its reason.
 */
export class GateStageStore {
  readonly #redis: RedisClient
  readonly #prefix: string

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis
    this.#prefix = prefix
  }

  /** The route's stage in force: the stored one, else the config file's. Throws GateStoredSettingError on a value it cannot read. */
  async read(route: RouteConfig): Promise<GateRouteStage> {
    const raw = await this.#redis.hget(runtimeSettingsKey(this.#prefix), route.name)
    if (raw === null) return { raw, stage: route.stage, serve: route.serve.percent, mirror: route.mirror.percent }
    const s = decode(route.name, raw)
    const mirror = s.expiresAt !== null ? (s.revertTo ?? route.mirror.percent) : s.percent
    return { raw, stage: s.migration?.stage ?? route.stage, serve: s.migration?.serve ?? route.serve.percent, mirror }
  }

  /**
   * Applies `action` if the route still holds `seen.raw`. A step changes the serve percent in place
   * (the history keeps stages, so a rollback leaves the canary, it does not step down); a rollback
   * restores the stage before the canary exactly when the history has it, else moves to `shadow`;
   * a promotion moves to `final` with the default copy share to the old side.
   * Resolves the new settings, or undefined when the route changed meanwhile.
   */
  async apply(route: RouteConfig, seen: GateRouteStage, action: GateStageAction, reason: string, by: string, now: number): Promise<GateStageSettings | undefined> {
    const stored = seen.raw === null ? undefined : decode(route.name, seen.raw)
    const history = stored?.migration?.history ?? []
    const writes = stored?.migration?.writes ?? 'old'
    const from: GateStageSettings = { stage: seen.stage, serve: seen.serve, mirror: seen.mirror }
    let to: GateStageSettings
    let nextHistory: readonly GateStageSettings[]
    let logAction: 'stage' | 'rollback' = 'stage'
    if (action.kind === 'step') {
      to = { ...from, serve: action.serve }
      nextHistory = history
    } else if (action.kind === 'promote') {
      to = { stage: 'final', serve: from.serve, mirror: DEFAULT_FINAL_MIRROR_PERCENT }
      nextHistory = [...history, from].slice(-MAX_STAGE_HISTORY)
    } else {
      const last = history[history.length - 1]
      if (last !== undefined && last.stage !== from.stage) {
        to = last
        nextHistory = history.slice(0, -1)
        logAction = 'rollback'
      } else {
        to = { stage: 'shadow', serve: from.serve, mirror: from.mirror }
        nextHistory = [...history, from].slice(-MAX_STAGE_HISTORY)
      }
    }
    const next = encode({ percent: to.mirror, updatedAt: now, by, load: rampAcross(stored?.load, to.stage, now), stage: to.stage, serve: to.serve, writes, history: nextHistory })
    const entry = JSON.stringify({ route: route.name, action: logAction, from, to, at: new Date(now).toISOString(), by, reason })
    const done = await this.#redis.eval(
      RUNTIME_COMPARE_AND_SET_LUA,
      3,
      runtimeSettingsKey(this.#prefix),
      runtimeChannel(this.#prefix),
      migrationLogKey(this.#prefix),
      route.name,
      seen.raw ?? '',
      next,
      runtimeChangeMessage(route.name, next),
      entry,
      MIGRATION_LOG_LENGTH,
    )
    return done === 1 ? to : undefined
  }
}
