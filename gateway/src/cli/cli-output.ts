import { cliErrorLine, type CliErrorKind } from '@shadowgate/shared'

/** Exit codes of every shadowgate command. */
export const EXIT_OK = 0
/** The command ran but failed (admin API refused, gateway unreachable, could not start). */
export const EXIT_FAILURE = 1
/** Bad usage or bad config: nothing was attempted. */
export const EXIT_USAGE = 2

export function printOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export function printErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** Prints `shadowgate: <kind> error: <message>` on stderr, the shape of every command's errors. */
export function printCliError(kind: CliErrorKind, message: string): void {
  printErr(cliErrorLine(kind, message))
}

/** Prints `shadowgate: usage error: <problem>` and the command's usage on stderr; returns the usage exit code. */
export function usageError(problem: string, usage: string): number {
  printErr(`${cliErrorLine('usage', problem)}\n\n${usage}`)
  return EXIT_USAGE
}
