#!/usr/bin/env node
import { runCli } from './run-cli.js'

// Exit explicitly once the command is done: everything it opened is closed, and an idle keep-alive
// socket of fetch() must not hold the process for seconds.
const code = await runCli(process.argv.slice(2))
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
