import { readFileSync } from 'node:fs'
import { parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { EXIT_USAGE, printCliError } from './cli-output.js'

/** The config file commands read unless given --config. */
export const DEFAULT_CONFIG_PATH = 'shadowgate.yaml'

/**
 * Reads, env-interpolates and validates a config file. A problem prints
 * `shadowgate: config error: <message>` (the message names the key) and yields exit code 2.
 */
export function loadConfigFile(path: string): { config: ShadowgateConfig } | { exitCode: number } {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    printCliError('config', `cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
    return { exitCode: EXIT_USAGE }
  }
  try {
    return { config: parseConfig(text, process.env) }
  } catch (err) {
    printCliError('config', (err as Error).message)
    return { exitCode: EXIT_USAGE }
  }
}
