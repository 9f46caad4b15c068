#!/usr/bin/env node
import { AUDIT_USAGE, runAuditCommand } from './run-audit-command.js'
import { MISMATCHES_USAGE, runMismatchesCommand } from './run-mismatches-command.js'
import { NOISE_USAGE, runNoiseCommand } from './run-noise-command.js'

// Stand-alone entry of the audit service (`node audit-service/dist/src/cli/main.js audit ...`);
// the gateway's `shadowgate` CLI dispatches to the same commands.
const [command, ...rest] = process.argv.slice(2)
const run = command === 'audit' ? runAuditCommand : command === 'mismatches' ? runMismatchesCommand : command === 'noise' ? runNoiseCommand : undefined
if (!run) {
  process.stderr.write(`Usage: shadowgate-audit <audit|mismatches|noise> [options]\n\n${AUDIT_USAGE}\n${MISMATCHES_USAGE}\n${NOISE_USAGE}`)
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2
} else {
  // Exit explicitly: the commands closed what they opened, and a lingering keep-alive socket must not hold the process.
  process.exit(await run(rest))
}
