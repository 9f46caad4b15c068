import { ShadowgateError } from '@shadowgate/shared'
import { EXIT_FAILURE, EXIT_USAGE } from './cli-io.js'

/** The message and exit code for an error that stopped a command before it ran. */
export function describeStartupError(err: unknown): { message: string; code: number } {
  if (err instanceof ShadowgateError && err.code === 'SG_CONFIG_INVALID') return { message: `config error: ${err.message}`, code: EXIT_USAGE }
  return { message: `error: ${(err as Error).message ?? String(err)}`, code: EXIT_FAILURE }
}
