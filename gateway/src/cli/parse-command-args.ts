import { parseArgs, type ParseArgsConfig } from 'node:util'
import { usageError } from './cli-output.js'

type Options = NonNullable<ParseArgsConfig['options']>

export type ParsedCommandArgs<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>

/**
 * Strict node:util parseArgs: an unknown flag or a flag without its value prints the problem and the
 * usage on stderr and yields the usage exit code instead of a stack trace.
 */
export function parseCommandArgs<O extends Options>(argv: readonly string[], options: O, usage: string): ParsedCommandArgs<O> | { exitCode: number } {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true })
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return { exitCode: usageError((err as Error).message, usage) }
    throw err
  }
}

export function isExit(v: object): v is { exitCode: number } {
  return 'exitCode' in v
}
