import { readFlags, runShapeFlag, type RunShape } from './bench-flags.js'
import { jsonFlag } from './report/json-output.js'
/** Command-line options of `npm run bench:gateway -- [flags]`. */
export interface BenchOptions {
  /** Seconds of measured load per target per round. */
  readonly durationS: number
  /** Rounds; targets are interleaved round-robin within each round and the median is reported. */
  readonly rounds: number
  /** Concurrent keep-alive connections of the load generator. */
  readonly connections: number
  /** Seconds of unmeasured load before each measured run. */
  readonly warmupS: number
  readonly load: 'wrk' | 'autocannon'
  /** Only these target keys (all when undefined). */
  readonly targets: readonly string[] | undefined
  /** Also write the result as JSON to this file (read by bench:sizing). */
  readonly json: string | undefined
  readonly help: boolean
}

export const BENCH_USAGE = `usage: npm run bench:gateway -- [--duration S] [--rounds N] [--connections N] [--warmup S] [--load wrk|autocannon] [--targets k1,k2] [--json FILE]
  --duration S      measured seconds per target per round (default 5)
  --rounds N        interleaved rounds; the median is reported (default 3)
  --connections N   keep-alive connections of the load generator (default 50)
  --warmup S        unmeasured seconds before each run (default 1)
  --load NAME       wrk (default when /usr/bin/wrk exists) or autocannon
  --targets LIST    comma-separated target keys (default: all)
  --json FILE       also write the result as JSON to FILE (read by bench:sizing)`

/** Parses flags; throws an Error naming the flag and the constraint on bad input. */
export function parseBenchOptions(argv: readonly string[], wrkPresent: boolean, knownTargets: readonly string[]): BenchOptions {
  const shape: RunShape = { durationS: 5, warmupS: 1, rounds: 3, connections: 50 }
  let load: BenchOptions['load'] = wrkPresent ? 'wrk' : 'autocannon'
  let targets: string[] | undefined
  let json: string | undefined
  const { help } = readFlags(
    argv,
    (name, value) => {
      if (runShapeFlag(shape, name, value)) return true
      switch (name) {
        case '--load': {
          const v = value()
          if (v !== 'wrk' && v !== 'autocannon') throw new Error(`--load must be wrk or autocannon (got "${v ?? ''}")`)
          if (v === 'wrk' && !wrkPresent) throw new Error('--load wrk: /usr/bin/wrk is not installed')
          load = v
          return true
        }
        case '--targets': {
          const list = (value() ?? '').split(',').map((t) => t.trim()).filter(Boolean)
          const unknown = list.filter((t) => !knownTargets.includes(t))
          if (list.length === 0 || unknown.length > 0) throw new Error(`--targets must list known targets (${knownTargets.join(', ')}); unknown: ${unknown.join(', ') || '(empty list)'}`)
          targets = list
          return true
        }
        case '--json':
          json = jsonFlag(name, value())
          return true
        default:
          return false
      }
    },
    BENCH_USAGE,
  )
  return { ...shape, load, targets, json, help }
}
