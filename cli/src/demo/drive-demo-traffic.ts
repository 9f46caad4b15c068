import type { Dispatcher } from 'undici'
import { runSampleLoad } from './sample-load.js'
import { setMirrorPercent, type AdminAccess } from './set-mirror-percent.js'

/** The mirror percents the demo goes through, each for an equal share of the run. */
export const DEMO_MIRROR_STEPS: readonly number[] = [10, 50, 100]

export interface MirrorStep {
  readonly index: number
  readonly percent: number
  /** Milliseconds since the traffic started. */
  readonly atMs: number
}

export interface DemoTrafficOptions {
  /** The gateway's traffic URL. */
  readonly target: string
  readonly admin: AdminAccess
  /** Routes whose percent is raised at each step. */
  readonly routes: readonly string[]
  readonly durationMs: number
  /** Requests per second. */
  readonly rate: number
  readonly steps?: readonly number[]
  readonly signal: AbortSignal
  /** Used for the traffic; not closed here. */
  readonly dispatcher: Dispatcher
  /** Called once a step's percent is in force on every route. */
  readonly onStep?: (step: MirrorStep) => void
}

export interface DemoTrafficResult {
  readonly sent: number
  readonly statuses: Readonly<Record<number, number>>
  /** Requests that got no answer from the gateway. */
  readonly failures: number
  /** False when the signal cut the run short. */
  readonly completed: boolean
}

/**
 * Drives the sample request mix through the gateway for `durationMs`, raising the mirror percent
 * of `routes` at the start of each step through the admin API, as an engineer ramping up a shadow
 * would. Each step is one run of the sample load, ending on the step's deadline (measured from the
 * start, so the steps add up to the duration) or on the signal.
 */
export async function driveDemoTraffic(opts: DemoTrafficOptions): Promise<DemoTrafficResult> {
  const steps = opts.steps ?? DEMO_MIRROR_STEPS
  const started = Date.now()
  const statuses: Record<number, number> = {}
  let sent = 0
  let failures = 0
  for (const [index, percent] of steps.entries()) {
    if (opts.signal.aborted) break
    await Promise.all(opts.routes.map((route) => setMirrorPercent(opts.admin, route, percent)))
    opts.onStep?.({ index, percent, atMs: Date.now() - started })
    const deadline = started + Math.round((opts.durationMs * (index + 1)) / steps.length)
    const result = await runSampleLoad({
      target: opts.target,
      rate: opts.rate,
      durationMs: Math.max(1, deadline - Date.now()),
      signal: opts.signal,
      dispatcher: opts.dispatcher,
      timeoutMs: 5_000,
    })
    sent += result.sent
    failures += result.failures
    for (const [code, n] of Object.entries(result.statuses)) statuses[Number(code)] = (statuses[Number(code)] ?? 0) + n
  }
  return { sent, statuses, failures, completed: !opts.signal.aborted }
}
