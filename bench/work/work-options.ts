import { numberFlag, readFlags } from '../bench-flags.js'
import { BENCH_TARGETS } from '../bench-targets.js'

/** Targets that can be measured this way: a proxy process of its own (with a redis-server of its own where it needs one). */
export const WORK_TARGET_KEYS: readonly string[] = BENCH_TARGETS.filter((t) => t.proxy !== undefined).map((t) => t.key)

export const DEFAULT_WORK_TARGETS: readonly string[] = ['raw-undici', 'raw-undici-mirror', 'sg-off', 'sg-fast']

/** Command-line options of `npm run bench:work`. */
export interface WorkOptions {
  /** Measured requests per target (the same number again warms the process up first). */
  readonly requests: number
  /** Keep-alive connections the requests are spread over. */
  readonly connections: number
  readonly targets: readonly string[]
  /** Rounds of instruction counting under callgrind (0: none). */
  readonly instructions: number
  readonly help: boolean
}

export const WORK_USAGE = `usage: npm run bench:work -- [--requests N] [--connections N] [--targets k1,k2]
  --requests N      measured requests per target, after as many unmeasured ones (default 40000)
  --connections N   keep-alive connections the requests are spread over (default 16)
  --targets LIST    comma-separated target keys (default: ${DEFAULT_WORK_TARGETS.join(',')})
  --instructions N  also count CPU instructions per request under valgrind's callgrind, N interleaved rounds (default 0)
targets: ${WORK_TARGET_KEYS.join(', ')}`

/** Parses flags; throws an Error naming the flag and the constraint on bad input. */
export function parseWorkOptions(argv: readonly string[]): WorkOptions {
  let requests = 40_000
  let connections = 16
  let targets: readonly string[] = DEFAULT_WORK_TARGETS
  let instructions = 0
  const { help } = readFlags(
    argv,
    (name, value) => {
      switch (name) {
        case '--requests':
          requests = numberFlag(name, value(), 1_000, 1_000_000)
          return true
        case '--connections':
          connections = numberFlag(name, value(), 1, 1_000)
          return true
        case '--instructions':
          instructions = numberFlag(name, value(), 0, 20)
          return true
        case '--targets': {
          const keys = (value() ?? '').split(',').map((k) => k.trim())
          const unknown = keys.filter((k) => !WORK_TARGET_KEYS.includes(k))
          if (unknown.length > 0 || keys.length === 0) throw new Error(`--targets must list keys among ${WORK_TARGET_KEYS.join(', ')} (got "${unknown.join(',')}")`)
          targets = keys
          return true
        }
        default:
          return false
      }
    },
    WORK_USAGE,
  )
  return { requests, connections, targets, instructions, help }
}
