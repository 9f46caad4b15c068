/** Flag parsing shared by the benchmark scripts: `--name value` and `--name=value`, numbers with bounds. */

/** Splits `--name=value` into its name and inline value; a bare `--name` has no inline value. */
export function splitFlag(flag: string): [name: string, inline: string | undefined] {
  const eq = flag.indexOf('=')
  return eq === -1 ? [flag, undefined] : [flag.slice(0, eq), flag.slice(eq + 1)]
}

/** Reads a number between `min` and `max` (a whole one unless `integer` is false); throws naming the flag and the constraint. */
export function numberFlag(flag: string, text: string | undefined, min: number, max: number, integer = true): number {
  const n = Number(text)
  if (text === undefined || text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(`${flag} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max} (got ${text === undefined ? 'nothing' : `"${text}"`})`)
  }
  return n
}

/**
 * Walks `argv` as flags (`--name value` or `--name=value`): `-h` and `--help` set `help`, every other
 * flag goes to `handle`, which reads its value with `value()` and returns false for a flag it does not
 * know. An unknown flag throws, naming it (followed by `usage` when given).
 */
export function readFlags(argv: readonly string[], handle: (name: string, value: () => string | undefined) => boolean, usage?: string): { help: boolean } {
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? ''
    const [name, inline] = splitFlag(flag)
    if (name === '-h' || name === '--help') help = true
    else if (!handle(name, () => inline ?? argv[++i])) throw new Error(`unknown flag "${flag}"${usage === undefined ? '' : `\n${usage}`}`)
  }
  return { help }
}

/** How a load bench drives each run; every load bench takes these four flags, with the same bounds. */
export interface RunShape {
  /** Seconds of measured load per run. */
  durationS: number
  /** Seconds of unmeasured load before each measured run. */
  warmupS: number
  /** Interleaved rounds; the median is reported. */
  rounds: number
  /** Concurrent keep-alive connections of the load generator. */
  connections: number
}

/** Reads `--duration`, `--warmup`, `--rounds` or `--connections` into `shape`; false for any other flag. */
export function runShapeFlag(shape: RunShape, name: string, value: () => string | undefined): boolean {
  switch (name) {
    case '--duration':
      shape.durationS = numberFlag(name, value(), 1, 600)
      return true
    case '--warmup':
      shape.warmupS = numberFlag(name, value(), 0, 60)
      return true
    case '--rounds':
      shape.rounds = numberFlag(name, value(), 1, 50)
      return true
    case '--connections':
      shape.connections = numberFlag(name, value(), 1, 10_000)
      return true
    default:
      return false
  }
}
