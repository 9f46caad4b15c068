import { DEFAULT_FINAL_MIRROR_PERCENT, isMigrationStage, type MigrationStage, type RouteConfig } from '@shadowgate/shared'
import { InvalidServePercentError, InvalidSettingError, NoStageToRollBackError, StageConflictError, UnknownStageError } from '../errors.js'
import { endedRamp, type LoadRamp } from './load-ramp.js'
import type { StoredMirrorSetting } from './stored-mirror-setting.js'
import { MAX_STAGE_HISTORY, type StageSettings, type StoredStage } from './stored-stage.js'

/** Longest reason kept with a stage change; enough for a sentence and a ticket link. */
export const MAX_REASON_LENGTH = 500

/** What a caller asks of a stage move; checked by checkStageMove before anything is read or written. */
export interface StageMoveRequest {
  readonly stage: MigrationStage
  /** Serve percent for `canary`; default: the route's current one. */
  readonly serve?: number | undefined
  /** Copy percent; default: kept, except `final` (DEFAULT_FINAL_MIRROR_PERCENT) and leaving `final` (the config file's). */
  readonly mirror?: number | undefined
  /** Compare-and-set: the move happens only if the route is in this stage now. */
  readonly expected?: MigrationStage | undefined
  readonly reason: string
}

/** One stage change, as the admin API answers it, the change log keeps it and InfluxDB records it. */
export interface StageChange {
  readonly route: string
  readonly action: 'stage' | 'rollback'
  readonly from: StageSettings
  readonly to: StageSettings
  /** Epoch ms. */
  readonly at: number
  readonly by: string
  readonly reason: string
}

function isPercent(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100
}

/** Checks a reason: required, one line of text, bounded. */
export function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim() === '') throw new InvalidSettingError('reason is required: say why the stage changes (it goes to the change log and the dashboards)')
  if (reason.length > MAX_REASON_LENGTH) throw new InvalidSettingError(`reason must be at most ${MAX_REASON_LENGTH} characters (got ${reason.length})`)
  // Control characters would break log lines and line protocol.
  return [...reason].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('').trim()
}

/** Validates a stage move from untrusted input (admin body, CLI); every problem is an error with a stable code. */
export function checkStageMove(input: { stage: unknown; serve?: unknown; mirror?: unknown; expected?: unknown; reason: unknown }): StageMoveRequest {
  if (!isMigrationStage(input.stage)) throw new UnknownStageError(input.stage)
  if (input.serve !== undefined && !isPercent(input.serve)) throw new InvalidServePercentError(input.serve)
  if (input.mirror !== undefined && !isPercent(input.mirror)) throw new InvalidSettingError(`mirror must be a number between 0 and 100 (got ${JSON.stringify(input.mirror)})`)
  if (input.expected !== undefined && !isMigrationStage(input.expected)) throw new UnknownStageError(input.expected)
  const serve = input.serve as number | undefined
  const mirror = input.mirror as number | undefined
  return { stage: input.stage, serve, mirror, expected: input.expected, reason: checkReason(input.reason) }
}

/** The stage settings in force for a route, from its stored setting (or its config file). */
export function currentStageSettings(config: RouteConfig, stored: StoredMirrorSetting | null, lastingPercent: number): StageSettings {
  const m = stored?.migration
  return { stage: m?.stage ?? config.stage, serve: m?.serve ?? config.serve.percent, mirror: lastingPercent }
}

/**
 * The route's load ramp across a move to `stage`: kept as it is in shadow and canary; a running one is
 * stopped in passthrough and final, where no copy goes to the new side (copies to the old side are
 * never amplified), so the route does not jump back to amplified load on a later move.
 */
function rampAcross(load: LoadRamp | undefined, stage: MigrationStage, now: number): LoadRamp | undefined {
  if (load === undefined || load.state !== 'running' || now >= load.endsAt) return load
  if (stage !== 'passthrough' && stage !== 'final') return load
  return endedRamp(load, 'stopped', now, `stage moved to ${stage}`)
}

/** The stored setting after a move to `req`, with the stage left behind pushed onto the history. */
export function movedSetting(
  route: string,
  config: RouteConfig,
  current: StoredMirrorSetting | null,
  from: StageSettings,
  req: StageMoveRequest,
  now: number,
  by: string,
): { readonly wanted: StoredMirrorSetting; readonly to: StageSettings } {
  if (req.expected !== undefined && req.expected !== from.stage) throw new StageConflictError(route, req.expected, from.stage)
  const mirror = req.mirror ?? (req.stage === 'final' && from.stage !== 'final' ? DEFAULT_FINAL_MIRROR_PERCENT : from.stage === 'final' && req.stage !== 'final' ? config.mirror.percent : from.mirror)
  const to: StageSettings = { stage: req.stage, serve: req.serve ?? from.serve, mirror }
  const history = [...(current?.migration?.history ?? []), from].slice(-MAX_STAGE_HISTORY)
  const migration: StoredStage = { stage: to.stage, serve: to.serve, writes: current?.migration?.writes ?? 'old', history }
  const load = rampAcross(current?.load, to.stage, now)
  return { wanted: { percent: to.mirror, expiresAt: null, revertTo: null, updatedAt: now, by, load, migration }, to }
}

/** The stored setting one step back: the last stage left behind, with its settings exactly. */
export function rolledBackSetting(route: string, current: StoredMirrorSetting | null, from: StageSettings, now: number, by: string): { readonly wanted: StoredMirrorSetting; readonly to: StageSettings } {
  const history = current?.migration?.history ?? []
  const to = history[history.length - 1]
  if (to === undefined) throw new NoStageToRollBackError(route, from.stage)
  const migration: StoredStage = { stage: to.stage, serve: to.serve, writes: current?.migration?.writes ?? 'old', history: history.slice(0, -1) }
  const load = rampAcross(current?.load, to.stage, now)
  return { wanted: { percent: to.mirror, expiresAt: null, revertTo: null, updatedAt: now, by, load, migration }, to }
}

/** A change as JSON (the change log entry, the admin API's answer): times as ISO 8601. */
export function stageChangeJson(c: StageChange): Record<string, unknown> {
  return { route: c.route, action: c.action, from: c.from, to: c.to, at: new Date(c.at).toISOString(), by: c.by, reason: c.reason }
}

/** Change-log entries (untrusted text read from Redis) as objects, for one route or all, newest first, at most `limit`. */
export function parseStageLog(raw: readonly string[], route: string | undefined, limit: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const text of raw) {
    if (out.length >= limit) break
    try {
      const e = JSON.parse(text) as unknown
      if (e && typeof e === 'object' && !Array.isArray(e) && (route === undefined || (e as Record<string, unknown>)['route'] === route)) out.push(e as Record<string, unknown>)
    } catch {
      // An entry that is not JSON (a hand edit, another version) is left out.
    }
  }
  return out
}
