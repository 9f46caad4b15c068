import { numberFlag, readFlags } from '../bench-flags.js'

/** Command-line options of the keep-up check (`npm run bench:audit`, second part). */
export interface KeepUpOptions {
  /** Client requests per second of each step, open loop, every one mirrored and audited. */
  readonly rates: readonly number[]
  /** Seconds of load per step. */
  readonly seconds: number
  /** worker.concurrency of the audit worker; undefined: the default. */
  readonly workerConcurrency: number | undefined
  readonly help: boolean
}

export const KEEP_UP_USAGE = `usage: node bench/dist/keep-up-bench.js [--rps 1000,2000,4000,8000] [--seconds S] [--worker-concurrency N]
  --rps LIST               client requests per second of each step, all mirrored and audited (default 1000,2000,4000,8000)
  --seconds S              seconds of load per step (default 15)
  --worker-concurrency N   worker.concurrency of the audit worker (default: the config default)`

/** Parses flags; throws an Error naming the flag and the constraint on bad input. */
export function parseKeepUpOptions(argv: readonly string[]): KeepUpOptions {
  let rates: number[] = [1_000, 2_000, 4_000, 8_000]
  let seconds = 15
  let workerConcurrency: number | undefined
  const { help } = readFlags(
    argv,
    (name, value) => {
      switch (name) {
        case '--rps': {
          const text = value()
          rates = (text ?? '').split(',').map((r) => numberFlag(name, r.trim(), 1, 20_000, true))
          return true
        }
        case '--seconds':
          seconds = numberFlag(name, value(), 1, 600, true)
          return true
        case '--worker-concurrency':
          workerConcurrency = numberFlag(name, value(), 1, 1_000, true)
          return true
        default:
          return false
      }
    },
    KEEP_UP_USAGE,
  )
  return { rates, seconds, workerConcurrency, help }
}
