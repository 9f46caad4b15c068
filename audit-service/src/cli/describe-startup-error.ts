import { ShadowgateError } from '@shadowgate/shared'
import { CliUsageError } from '../errors.js'
import { EXIT_FAILURE, EXIT_USAGE, type CliIo } from './cli-io.js'

/** The message and exit code for an error that stopped a command before it ran. */
export function describeStartupError(err: unknown): { message: string; code: number } {
  if (err instanceof ShadowgateError && err.code === 'SG_CONFIG_INVALID') return { message: `config error: ${err.message}`, code: EXIT_USAGE }
  return { message: `error: ${(err as Error).message ?? String(err)}`, code: EXIT_FAILURE }
}

/** Writes why a command failed (a usage error as given, anything else as describeStartupError says) and returns its exit code. */
export function reportCommandError(err: unknown, io: Pick<CliIo, 'stderr'>): number {
  if (err instanceof CliUsageError) {
    io.stderr.write(`${err.message}\n`)
    return EXIT_USAGE
  }
  const { message, code } = describeStartupError(err)
  io.stderr.write(`${message}\n`)
  return code === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE
}
