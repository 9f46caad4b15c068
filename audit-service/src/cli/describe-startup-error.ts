import { cliErrorLine, maskUrlCredentials, type CliErrorKind } from '@shadowgate/shared'
import { EXIT_FAILURE, EXIT_USAGE, type CliIo } from './cli-io.js'

/**
 * The stderr line (`shadowgate: <kind> error: …`) and exit code for an error that stopped a command.
 * `stage` names what failed for anything unclassified: `start` before the command ran, `runtime` after.
 */
export function describeStartupError(err: unknown, stage: 'start' | 'runtime' = 'start'): { message: string; code: number } {
  const text = err instanceof Error ? err.message : String(err)
  const line = (kind: CliErrorKind, code: number): { message: string; code: number } => ({ message: cliErrorLine(kind, maskUrlCredentials(text)), code })
  const code = (err as { code?: unknown } | undefined)?.code
  if (code === 'SG_CONFIG_INVALID') return line('config', EXIT_USAGE)
  if (code === 'SG_CLI_USAGE') return line('usage', EXIT_USAGE)
  if (code === 'SG_CONNECTION_FAILED') return line('connection', EXIT_FAILURE)
  return line(stage, EXIT_FAILURE)
}

/** Writes why a running command failed (`shadowgate: <kind> error: …`) and returns its exit code. */
export function reportCommandError(err: unknown, io: Pick<CliIo, 'stderr'>): number {
  const { message, code } = describeStartupError(err, 'runtime')
  io.stderr.write(`${message}\n`)
  return code === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE
}
