import { parse as parseYaml, YAMLParseError } from 'yaml'
import { ConfigError } from '../errors.js'
import { interpolateEnv, originalOffset, protectEnvReferences } from './interpolate-env.js'
import { validateConfig } from './validate-config.js'
import { yamlSyntaxMessage } from './yaml-syntax-message.js'
import type { ShadowgateConfig } from './config-types.js'

/**
 * Turns the text of a shadowgate.yaml into a validated, frozen config. Pure: the caller reads the
 * file and passes the environment, so tests and the CLI share one path.
 */
export function parseConfig(text: string, env: Readonly<Record<string, string | undefined>> = {}): ShadowgateConfig {
  const prot = protectEnvReferences(text)
  let doc: unknown
  try {
    doc = parseYaml(prot.text, { prettyErrors: false, uniqueKeys: true })
  } catch (err) {
    if (err instanceof YAMLParseError) throw new ConfigError('config', yamlSyntaxMessage(text, originalOffset(prot, err.pos[0]), err.message))
    throw new ConfigError('config', `is not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`)
  }
  return validateConfig(interpolateEnv(doc, env, '', prot))
}
