import { MAX_LOAD_DURATION_MS } from '@shadowgate/shared'

/** running: the schedule decides the percent; the others ended it (by `load stop`, a brake, or --max-duration). */
export type LoadRampState = 'running' | 'stopped' | 'braked' | 'expired'

/** What a gateway measured when a brake stopped a ramp. */
export interface LoadBrakeFigures {
  readonly p99Ms: number | null
  readonly baselineP99Ms: number | null
  readonly errorRate: number
  readonly copies: number
}

/**
 * A load ramp as it is stored inside a route's runtime setting (so it reaches every instance the way
 * a percent does). The percent in force is a pure function of the schedule and the clock: every
 * instance computes the same step at the same time, with no leader and no coordination.
 */
export interface LoadRamp {
  /** Percent in force when the ramp started; the schedule climbs from it. */
  readonly from: number
  readonly to: number
  readonly step: number
  readonly everyMs: number
  readonly startedAt: number
  /** startedAt + max duration: past it the ramp is over. */
  readonly endsAt: number
  readonly reason: string
  readonly by: string
  readonly state: LoadRampState
  readonly stoppedAt: number | null
  /** Why it ended: `load stop`, the brake that fired, or `max duration reached`. */
  readonly stopReason: string | null
  /** The ramp's percent when it ended. */
  readonly stoppedPercent: number | null
  readonly figures: LoadBrakeFigures | null
}

/** Percent the schedule asks for at `now` (the first step applies at once), or undefined when the ramp is not in force. */
export function rampPercent(r: LoadRamp, now: number): number | undefined {
  if (r.state !== 'running' || now >= r.endsAt) return undefined
  const steps = Math.floor(Math.max(0, now - r.startedAt) / r.everyMs) + 1
  return Math.min(r.to, r.from + r.step * steps)
}

/** Epoch ms of the schedule's next change after `now` (a step or the end), or undefined when nothing more changes. */
export function nextRampChange(r: LoadRamp, now: number): number | undefined {
  if (r.state !== 'running' || now >= r.endsAt) return undefined
  const percent = rampPercent(r, now) ?? r.to
  if (percent >= r.to) return r.endsAt
  const next = r.startedAt + (Math.floor(Math.max(0, now - r.startedAt) / r.everyMs) + 1) * r.everyMs
  return Math.min(next, r.endsAt)
}

/** Epoch ms when the step in force at `now` began (the time stamp every instance gives that step). */
export function rampStepStart(r: LoadRamp, now: number): number {
  return r.startedAt + Math.floor(Math.max(0, now - r.startedAt) / r.everyMs) * r.everyMs
}

const MAX_EPOCH_MS = 8.64e15

function num(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
}

function nullableNum(v: unknown, min: number, max: number): v is number | null {
  return v === null || num(v, min, max)
}

function figuresOf(v: unknown): LoadBrakeFigures | null | undefined {
  if (v === null) return null
  if (!v || typeof v !== 'object') return undefined
  const o = v as Record<string, unknown>
  const big = Number.MAX_SAFE_INTEGER
  if (!nullableNum(o['p99Ms'], 0, big) || !nullableNum(o['baselineP99Ms'], 0, big) || !num(o['errorRate'], 0, 1) || !num(o['copies'], 0, big)) return undefined
  return { p99Ms: o['p99Ms'], baselineP99Ms: o['baselineP99Ms'], errorRate: o['errorRate'], copies: o['copies'] }
}

const STATES: readonly LoadRampState[] = ['running', 'stopped', 'braked', 'expired']

/** Decodes a stored ramp (untrusted: read from Redis); undefined when it is not one the admin API could have started. */
export function decodeLoadRamp(v: unknown, maxPercent: number): LoadRamp | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  const { from, to, step, everyMs, startedAt, endsAt, reason, by, state, stoppedAt, stopReason, stoppedPercent } = o
  if (!num(from, 0, maxPercent) || !num(to, 0, maxPercent) || !num(step, Number.MIN_VALUE, maxPercent) || !num(everyMs, 1, MAX_LOAD_DURATION_MS)) return undefined
  if (!num(startedAt, 0, MAX_EPOCH_MS) || !num(endsAt, startedAt, startedAt + MAX_LOAD_DURATION_MS)) return undefined
  if (typeof reason !== 'string' || typeof by !== 'string' || !STATES.includes(state as LoadRampState)) return undefined
  if (!nullableNum(stoppedAt, 0, MAX_EPOCH_MS) || !(stopReason === null || typeof stopReason === 'string') || !nullableNum(stoppedPercent, 0, maxPercent)) return undefined
  const figures = figuresOf(o['figures'] ?? null)
  if (figures === undefined) return undefined
  return { from, to, step, everyMs, startedAt, endsAt, reason, by, state: state as LoadRampState, stoppedAt, stopReason, stoppedPercent, figures }
}

/** The same ramp, ended: `state` says how, at `at`, with the percent it had reached. */
export function endedRamp(r: LoadRamp, state: Exclude<LoadRampState, 'running'>, at: number, stopReason: string, figures: LoadBrakeFigures | null = null): LoadRamp {
  return { ...r, state, stoppedAt: at, stopReason, stoppedPercent: rampPercent(r, Math.min(at, r.endsAt - 1)) ?? r.to, figures }
}
