import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/**
 * True when the module at `moduleUrl` is the script node was started with, so a sample file can be
 * both imported (tests, the demo runner) and run directly (docker compose). Symlinked paths resolve
 * first, as node does.
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return moduleUrl === pathToFileURL(realpathSync(script)).href
  } catch {
    return false
  }
}
