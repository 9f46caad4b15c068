#!/usr/bin/env node
// The `shadowgate` command. npm links a package's bin when it installs, before anything is built, and
// skips a bin whose file does not exist yet; this launcher is always there and loads the built CLI.
import { existsSync } from 'node:fs'

const main = new URL('../dist/src/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write('shadowgate: the CLI is not built yet; run `npm run build` in the repository first\n')
  process.exit(1)
}
await import(main.href)
