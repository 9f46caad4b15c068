import { EXIT_OK, EXIT_USAGE, printErr, printOut } from './cli-output.js'
import { isDelegatedCommand, runDelegatedCommand } from './delegated-command.js'

export const CLI_USAGE = `Usage: shadowgate <command> [options]

Commands:
  gateway      run the gateway (traffic listener, mirroring, admin API)
  mirror       list or change route rules' mirror percent on a running gateway
  audit        run the audit worker (diffs mirrored pairs, writes InfluxDB series)
  mismatches   show recorded mismatch groups with sample diffs
  noise        suggest, apply or list ignore rules learnt from A/A noise samples
  demo         run a local demo: sample primary and shadow, gateway, audit worker, traffic

Run "shadowgate <command> --help" for a command's options.
`

/** Dispatches `shadowgate <command> ...` and resolves with the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--help' || command === '-h' || command === 'help') {
    printOut(CLI_USAGE)
    return EXIT_OK
  }
  if (command === undefined) {
    printErr(CLI_USAGE)
    return EXIT_USAGE
  }
  // Loaded on use: `mirror` and `--help` should not pay for loading the whole gateway.
  if (command === 'gateway') return await (await import('./gateway-command.js')).runGatewayCommand(rest)
  if (command === 'mirror') return await (await import('./mirror-command.js')).runMirrorCommand(rest)
  if (isDelegatedCommand(command)) return await runDelegatedCommand(command, rest)
  printErr(`shadowgate: unknown command "${command}"\n\n${CLI_USAGE}`)
  return EXIT_USAGE
}
