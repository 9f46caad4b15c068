#!/usr/bin/env node
// Stand-alone entry of the gateway (`node gateway/dist/src/cli/main.js gateway ...`), what the
// gateway image runs; the `shadowgate` CLI (@shadowgate/cli) dispatches to the same commands.
import { EXIT_OK, EXIT_USAGE, printErr } from './cli-output.js'

const USAGE = `Usage: shadowgate-gateway <gateway|mirror|writes> [options]\n\nRun "shadowgate-gateway <command> --help" for a command's options.\n`

const [command, ...rest] = process.argv.slice(2)
let code: number
if (command === 'gateway') code = await (await import('./gateway-command.js')).runGatewayCommand(rest)
else if (command === 'mirror') code = await (await import('./mirror-command.js')).runMirrorCommand(rest)
else if (command === 'writes') code = await (await import('./writes-command.js')).runWritesCommand(rest)
else {
  printErr(USAGE)
  code = command === undefined || command === '--help' || command === '-h' ? EXIT_OK : EXIT_USAGE
}
// Exit explicitly once the command is done: everything it opened is closed, and an idle keep-alive
// socket of fetch() must not hold the process for seconds.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
