import { parse as parseYaml } from 'yaml'
import { ConfigError } from '../errors.js'
import { interpolateEnv, protectEnvReferences } from './interpolate-env.js'
import { validateConfig } from './validate-config.js'
import type { ShadowgateConfig } from './config-types.js'

/**
 * Turns the text of a shadowgate.yaml into a validated, frozen config. Pure: the caller reads the
 * file and passes the environment, so tests and the CLI share one path.
 */
export function parseConfig(text: string, env: Readonly<Record<string, string | undefined>> = {}): ShadowgateConfig {
  const { text: safe, refs } = protectEnvReferences(text)
  let doc: unknown
  try {
    doc = parseYaml(safe, { prettyErrors: true, uniqueKeys: true })
  } catch (err) {
    throw new ConfigError('config', `is not valid YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  return validateConfig(interpolateEnv(doc, env, '', refs))
}
