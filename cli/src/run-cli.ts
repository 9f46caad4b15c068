import { packageVersion } from '@shadowgate/shared'
import { EXIT_OK, EXIT_USAGE, printErr, printOut, usageError } from '@shadowgate/gateway/cli'
import { isCommand, runCommand } from './command-loader.js'

export const CLI_USAGE = `Usage: shadowgate <command> [options]

Commands:
  gateway      run the gateway (traffic listener, mirroring, admin API)
  mirror       list or change route rules' mirror percent on a running gateway
  load         ramp a route's mirror percent beyond 100 % for a load test, with automatic brakes
  migrate      show, move or cut over route rules through migration stages (passthrough, shadow, canary, final)
  audit        run the audit worker (diffs mirrored pairs, writes InfluxDB series)
  mismatches   show recorded mismatch groups with sample diffs
  noise        suggest, apply or list ignore rules learnt from A/A noise samples
  writes       show or change a route's write log: stage, status, ack, failed
  replay       run the write replayer (drains the write log into the other side)
  access       who calls what: requests by route, caller, method and status class (InfluxDB)
  slow         the latest slow requests of every gateway instance (Redis)
  demo         run a local demo: sample primary and shadow, gateway, audit worker, traffic

Options:
  -h, --help     show this help
  -V, --version  print the version

Run "shadowgate <command> --help" for a command's options.
`

/** Dispatches `shadowgate <command> ...` and resolves with the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--help' || command === '-h' || command === 'help') {
    printOut(CLI_USAGE)
    return EXIT_OK
  }
  if (command === '--version' || command === '-V') {
    // The package this CLI ships in; a build without its package.json still answers.
    printOut(packageVersion(import.meta.url) ?? 'unknown')
    return EXIT_OK
  }
  if (command === undefined) {
    printErr(CLI_USAGE)
    return EXIT_USAGE
  }
  if (isCommand(command)) return await runCommand(command, rest)
  return usageError(`unknown command "${command}"`, CLI_USAGE)
}
