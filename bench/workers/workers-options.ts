import { numberFlag, readFlags, runShapeFlag, type RunShape } from '../bench-flags.js'
/** Command-line options of `npm run bench:workers -- [flags]`. */
export interface WorkersOptions {
  /** Worker counts compared (`--workers N` of the gateway), in the order of the first round. */
  readonly workers: readonly number[]
  readonly durationS: number
  readonly warmupS: number
  readonly rounds: number
  readonly connections: number
  /** Mirror percent of the route (0: proxying only). */
  readonly mirror: number
  readonly help: boolean
}

export const WORKERS_USAGE = `usage: npm run bench:workers -- [--workers 1,2] [--duration S] [--warmup S] [--rounds N] [--connections N] [--mirror P]
  --workers LIST    gateway worker counts to compare (default 1,2)
  --duration S      measured seconds per run (default 10)
  --warmup S        unmeasured seconds of load before each run (default 3)
  --rounds N        rounds; worker counts are interleaved, their order alternates, the median is reported (default 3)
  --connections N   wrk keep-alive connections (default 64)
  --mirror P        mirror percent of the route, to a fast shadow (default 0: proxying only)`

/** Parses flags; throws an Error naming the flag and the constraint on bad input. */
export function parseWorkersOptions(argv: readonly string[]): WorkersOptions {
  let workers: number[] = [1, 2]
  const shape: RunShape = { durationS: 10, warmupS: 3, rounds: 3, connections: 64 }
  let mirror = 0
  const { help } = readFlags(
    argv,
    (name, value) => {
      if (runShapeFlag(shape, name, value)) return true
      switch (name) {
        case '--workers': {
          const v = value()
          workers = (v ?? '').split(',').map((w) => numberFlag('--workers', w.trim(), 1, 64))
          if (new Set(workers).size !== workers.length) throw new Error(`--workers lists a count twice (got "${v ?? ''}")`)
          return true
        }
        case '--mirror':
          mirror = numberFlag(name, value(), 0, 100)
          return true
        default:
          return false
      }
    },
  )
  return { workers, ...shape, mirror, help }
}
