import { rampPercent, type LoadBrakeFigures, type LoadRamp, type LoadRampState } from '../runtime/load-ramp.js'

/** A route's load ramp in the admin API's JSON (`GET /load`, `POST` and `DELETE /routes/:name/load`). */
export interface LoadRampJson {
  readonly route: string
  /** `none` when the route never had a ramp (or a mirror reset removed it). */
  readonly state: LoadRampState | 'none'
  /** Percent in force on the route now (the ramp's step while it runs). */
  readonly percent: number
  readonly from: number | null
  readonly to: number | null
  readonly step: number | null
  readonly everyMs: number | null
  readonly startedAt: string | null
  readonly endsAt: string | null
  /** Time to the next step while the ramp runs. */
  readonly nextStepInMs: number | null
  readonly reason: string | null
  readonly by: string | null
  readonly stoppedAt: string | null
  readonly stopReason: string | null
  readonly stoppedPercent: number | null
  readonly figures: LoadBrakeFigures | null
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

export function loadRampJson(route: string, r: LoadRamp | null, percent: number, now: number): LoadRampJson {
  if (r === null) {
    return { route, state: 'none', percent, from: null, to: null, step: null, everyMs: null, startedAt: null, endsAt: null, nextStepInMs: null, reason: null, by: null, stoppedAt: null, stopReason: null, stoppedPercent: null, figures: null }
  }
  const running = rampPercent(r, now) !== undefined
  const current = rampPercent(r, now)
  const nextStep = r.startedAt + (Math.floor(Math.max(0, now - r.startedAt) / r.everyMs) + 1) * r.everyMs
  return {
    route,
    // A ramp past its end that no instance has marked yet is reported as what it is.
    state: r.state === 'running' && !running ? 'expired' : r.state,
    percent,
    from: r.from,
    to: r.to,
    step: r.step,
    everyMs: r.everyMs,
    startedAt: iso(r.startedAt),
    endsAt: iso(r.endsAt),
    nextStepInMs: running && current !== undefined && current < r.to ? nextStep - now : null,
    reason: r.reason,
    by: r.by,
    stoppedAt: iso(r.stoppedAt),
    stopReason: r.stopReason,
    stoppedPercent: r.stoppedPercent,
    figures: r.figures,
  }
}
