import type { MigrationStage, RouteConfig } from '@shadowgate/shared'
import { rampPercent } from './load-ramp.js'
import type { StoredMirrorSetting } from './stored-mirror-setting.js'

/** What one gateway holds of a route at run time: the values in force and the stored value they come from. */
export interface RouteState {
  readonly config: RouteConfig
  percent: number
  stage: MigrationStage
  serve: number
  raw: string | null
  stored: StoredMirrorSetting | null
  timer: NodeJS.Timeout | undefined
  /** Last invalid stored value seen, so the poll does not warn about the same one every few seconds. */
  invalidRaw: string | undefined
}

/** A route as the config file starts it, before any stored value is applied. */
export function initialRouteState(config: RouteConfig): RouteState {
  const init = { percent: config.mirror.percent, stage: config.stage, serve: config.serve.percent }
  return { config, ...init, raw: null, stored: null, timer: undefined, invalidRaw: undefined }
}

/** The percent a route returns to when its temporary change ends. */
export function lastingPercent(state: RouteState, current: StoredMirrorSetting | null): number {
  if (current === null) return state.config.mirror.percent
  if (current.expiresAt !== null) return current.revertTo ?? state.config.mirror.percent
  return current.percent
}

/** The percent in force at `now` under a stored value: its running ramp, its expiry, or the value itself. */
export function effectivePercent(state: RouteState, current: StoredMirrorSetting | null, now: number): number {
  if (current === null) return state.config.mirror.percent
  const ramp = current.load === undefined ? undefined : rampPercent(current.load, now)
  if (ramp !== undefined) return ramp
  if (current.expiresAt !== null && current.expiresAt <= now) return current.revertTo ?? state.config.mirror.percent
  return current.percent
}
