import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText, parseConfig, referencedEnvNames } from '@shadowgate/shared'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

/** A stand-in value for each variable an example refers to, of the kind its name says. */
function exampleEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    referencedEnvNames(text).map((name) => {
      if (name.includes('REDIS')) return [name, 'redis://127.0.0.1:6379']
      if (name.endsWith('_URL')) return [name, 'http://127.0.0.1:8086']
      if (name.endsWith('_TOKEN')) return [name, 'example-token-0123456789']
      return [name, 'example']
    }),
  )
}

/** Every shadowgate config shipped in the repository: the example files and the README's YAML blocks. */
function exampleConfigs(): [string, string][] {
  const files = readdirSync(join(ROOT, 'gateway/examples'))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .map((f): [string, string] => [`gateway/examples/${f}`, read(`gateway/examples/${f}`)])
  const blocks = [...read('README.md').matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .filter((b) => /^primary:/m.test(b))
    .map((b, i): [string, string] => [`README.md yaml block ${i + 1}`, b])
  return [...files, ...blocks]
}

describe('shadowgate.schema.json', () => {
  it('is what the schema definition generates (run `npm run schema:config` after changing it)', () => {
    expect(read(`shared/${CONFIG_JSON_SCHEMA_FILE}`)).toBe(configJsonSchemaText())
  })

  it('is shipped in the @shadowgate/shared package', () => {
    const pkg = JSON.parse(read('shared/package.json')) as { files?: string[]; exports?: Record<string, unknown> }
    expect(pkg.files).toContain(CONFIG_JSON_SCHEMA_FILE)
    expect(pkg.exports?.[`./${CONFIG_JSON_SCHEMA_FILE}`]).toBe(`./${CONFIG_JSON_SCHEMA_FILE}`)
  })

  const examples = exampleConfigs()

  it('finds the example configs', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3)
  })

  it.each(examples)('validates the example config %s', (_name, text) => {
    expect(() => parseConfig(text, exampleEnv(text))).not.toThrow()
  })

  it.each(examples.filter(([name]) => name.startsWith('gateway/examples/')))('points editors at the schema in %s', (_name, text) => {
    expect(text).toMatch(/^# yaml-language-server: \$schema=\S*shadowgate\.schema\.json$/m)
  })
})
