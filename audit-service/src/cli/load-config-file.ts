import { readFile } from 'node:fs/promises'
import { ConfigError, parseConfig, type ShadowgateConfig } from '@shadowgate/shared'

/** Reads and validates a shadowgate.yaml; an unreadable file is a ConfigError on key `config`. */
export async function loadConfigFile(path: string, env: Readonly<Record<string, string | undefined>>): Promise<ShadowgateConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError('config', `file "${path}" cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return parseConfig(text, env)
}
