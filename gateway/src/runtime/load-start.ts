import { MAX_LOAD_DURATION_MS, formatDurationBound, parseDuration, type MigrationStage } from '@shadowgate/shared'
import { InvalidLoadRampError, LoadRampActiveError, LoadRampNoShadowError, PercentAboveMaximumError } from '../errors.js'
import { endedRamp, type LoadBrakeFigures, type LoadRamp, type LoadRampState } from './load-ramp.js'
import type { StoredMirrorSetting } from './stored-mirror-setting.js'

/** A validated request to start a ramp. */
export interface LoadStart {
  readonly to: number
  readonly step: number
  readonly everyMs: number
  readonly maxDurationMs: number
  readonly reason: string
  readonly by: string
}

/** How a ramp is ended: by an operator (`stopped`) or a brake (`braked`), with what was measured. */
export interface LoadStop {
  readonly state: Extract<LoadRampState, 'stopped' | 'braked'>
  readonly reason: string
  readonly by: string
  readonly figures?: LoadBrakeFigures | undefined
}

const FIELDS = ['to', 'step', 'every', 'maxDuration', 'reason']
const EXAMPLE = 'send JSON such as {"to": 300, "step": 50, "every": "1m", "maxDuration": "30m", "reason": "capacity test"}'
const MAX_REASON = 200

function durationField(o: Record<string, unknown>, name: string, fallback: number | undefined, max: number): number {
  const v = o[name]
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new InvalidLoadRampError(`${name} is required: ${EXAMPLE}`)
    return fallback
  }
  const ms = typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : undefined
  if (ms === undefined || ms <= 0) throw new InvalidLoadRampError(`${name} must be a positive duration such as 30s, 1m or 10m (got ${JSON.stringify(v)})`)
  if (ms > max) throw new InvalidLoadRampError(`${name} must be at most ${formatDurationBound(max)} (got ${JSON.stringify(v)})`)
  return ms
}

/** Checks the body of `POST /routes/:name/load`; every problem is an error naming the field. */
export function parseLoadStart(body: unknown, opts: { readonly by: string; readonly defaultMaxDurationMs: number }): LoadStart {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidLoadRampError(`the request body must be a JSON object: ${EXAMPLE}`)
  const o = body as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!FIELDS.includes(k)) throw new InvalidLoadRampError(`unknown field "${k}" (allowed: ${FIELDS.join(', ')})`)
  }
  const { to, step } = o
  if (typeof to !== 'number' || !Number.isFinite(to) || to <= 0) throw new InvalidLoadRampError(`to must be a percent above 0 (got ${JSON.stringify(to)}): ${EXAMPLE}`)
  if (typeof step !== 'number' || !Number.isFinite(step) || step <= 0) throw new InvalidLoadRampError(`step must be a percent above 0 (got ${JSON.stringify(step)}): ${EXAMPLE}`)
  const maxDurationMs = durationField(o, 'maxDuration', opts.defaultMaxDurationMs, MAX_LOAD_DURATION_MS)
  const everyMs = durationField(o, 'every', undefined, maxDurationMs)
  const reason = o['reason'] ?? ''
  if (typeof reason !== 'string' || reason.length > MAX_REASON) throw new InvalidLoadRampError(`reason must be a string of at most ${MAX_REASON} characters`)
  return { to, step, everyMs, maxDurationMs, reason, by: opts.by }
}

/** Refuses a ramp that cannot start on this route now (throws the error the admin API answers with). */
function checkLoadStart(route: string, start: LoadStart, ctx: { shadow: string | undefined; maxPercent: number; from: number; running: boolean; stage?: MigrationStage | undefined }): void {
  if (ctx.shadow === undefined) throw new LoadRampNoShadowError(route)
  if (ctx.stage === 'passthrough' || ctx.stage === 'final') {
    throw new InvalidLoadRampError(`route "${route}" is in stage "${ctx.stage}": a ramp loads the new side, which only gets copies in the stages shadow and canary`)
  }
  if (!(start.step > 0) || !Number.isFinite(start.step)) throw new InvalidLoadRampError(`step must be a percent above 0 (got ${start.step})`)
  if (!(start.everyMs > 0)) throw new InvalidLoadRampError(`every must be a positive duration (got ${start.everyMs} ms)`)
  if (start.to > ctx.maxPercent) throw new PercentAboveMaximumError(start.to, ctx.maxPercent)
  if (ctx.running) throw new LoadRampActiveError(route)
  if (start.to <= ctx.from) throw new InvalidLoadRampError(`to (${start.to}) must be above the percent in force on route "${route}" (${ctx.from})`)
}

/**
 * The route's stored setting with `start`'s ramp running from `now` (the percent it returns to
 * stays as it is), or the error why it cannot start. `from` is the percent in force now.
 */
export function startedSetting(
  route: string,
  start: LoadStart,
  current: StoredMirrorSetting | null,
  now: number,
  ctx: { shadow: string | undefined; maxPercent: number; configPercent: number; from: number; stage?: MigrationStage | undefined },
): StoredMirrorSetting {
  const from = ctx.from
  checkLoadStart(route, start, { ...ctx, running: current?.load?.state === 'running' && now < current.load.endsAt })
  const base = current ?? { percent: ctx.configPercent, expiresAt: null, revertTo: null, updatedAt: now, by: start.by }
  const load: LoadRamp = { from, to: start.to, step: start.step, everyMs: start.everyMs, startedAt: now, endsAt: now + start.maxDurationMs, reason: start.reason, by: start.by, state: 'running', stoppedAt: null, stopReason: null, stoppedPercent: null, figures: null }
  return { ...base, load }
}

/** The stored setting with its running ramp ended by `stop` at `now`; undefined when no ramp runs (nothing to write). */
export function stoppedSetting(current: StoredMirrorSetting | null, now: number, stop: LoadStop): StoredMirrorSetting | undefined {
  const load = current?.load
  if (current === null || load === undefined || load.state !== 'running' || now >= load.endsAt) return undefined
  return { ...current, load: endedRamp(load, stop.state, now, stop.reason, stop.figures ?? null) }
}
