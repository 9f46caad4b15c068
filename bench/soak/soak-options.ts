import { numberFlag, readFlags } from '../bench-flags.js'
export const SOAK_PHASES = ['gateway', 'worker'] as const
export type SoakPhase = (typeof SOAK_PHASES)[number]

/** Command-line options of `npm run bench:soak -- [flags]`. */
export interface SoakOptions {
  /** Minutes of each gateway phase (black-hole shadow, then slow shadow). */
  readonly minutes: number
  /** Client requests per second, open loop, during the gateway phases. */
  readonly rps: number
  /** Backlog (pairs) kept in front of the audit worker during its phase (topped up every second); 0 skips the phase. */
  readonly jobs: number
  /** Seconds between two RSS samples. */
  readonly sampleS: number
  /** worker.concurrency of the audit worker; undefined: the default. */
  readonly workerConcurrency: number | undefined
  /** Which parts run. */
  readonly phases: ReadonlySet<SoakPhase>
  readonly help: boolean
}

export const SOAK_USAGE = `usage: npm run bench:soak -- [--minutes M] [--rps N] [--jobs N] [--sample S]
  --minutes M   minutes of each phase: gateway with a shadow that never answers, with a slow shadow, audit worker (default 5; fractions allowed)
  --rps N       client requests per second during the gateway phases, all mirrored (default 500)
  --jobs N      backlog of pairs kept in front of the audit worker (topped up every second); 0 skips the worker (default 100000)
  --sample S    seconds between RSS samples (default 5)
  --phases LIST gateway, worker or both (default gateway,worker)
  --worker-concurrency N   worker.concurrency of the audit worker (default: the config default)`

/** Parses flags; throws an Error naming the flag and the constraint on bad input. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  let minutes = 5
  let rps = 500
  let jobs = 100_000
  let sampleS = 5
  let phases = new Set<SoakPhase>(SOAK_PHASES)
  let workerConcurrency: number | undefined
  const { help } = readFlags(
    argv,
    (name, value) => {
      switch (name) {
        case '--minutes':
          minutes = numberFlag(name, value(), 0.1, 120, false)
          return true
        case '--rps':
          rps = numberFlag(name, value(), 1, 5_000, true)
          return true
        case '--jobs':
          jobs = numberFlag(name, value(), 0, 1_000_000, true)
          return true
        case '--sample':
          sampleS = numberFlag(name, value(), 1, 60, true)
          return true
        case '--phases': {
          const v = value() ?? ''
          const list = v.split(',').map((p) => p.trim())
          const bad = list.find((p) => !(SOAK_PHASES as readonly string[]).includes(p))
          if (bad !== undefined || list.length === 0) throw new Error(`--phases must list ${SOAK_PHASES.join(' and/or ')} (got "${v}")`)
          phases = new Set(list as SoakPhase[])
          return true
        }
        case '--worker-concurrency':
          workerConcurrency = numberFlag(name, value(), 1, 1_000, true)
          return true
        default:
          return false
      }
    },
  )
  return { minutes, rps, jobs, sampleS, phases, workerConcurrency, help }
}
