import { parseArgs, type ParseArgsConfig } from 'node:util'
import { CliUsageError } from '../errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * parseArgs in strict mode, with the command's own name tolerated as the first argument (callers may
 * pass `process.argv.slice(2)` or what follows the subcommand). Unknown flags are a CliUsageError.
 */
export function parseCommandArgs<O extends Options>(command: string, argv: readonly string[], options: O): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'] {
  const args = argv[0] === command ? argv.slice(1) : [...argv]
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new CliUsageError((err as Error).message)
  }
}
