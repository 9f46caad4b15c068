import { ConfigError } from '../errors.js'

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML tree. It runs on parsed
 * values, not on the YAML text, so a secret containing `:` or `#` cannot change the document's shape.
 * A variable that is unset and has no default is an error naming the key and the variable.
 * `$${NAME}` stays as the literal text `${NAME}`.
 */
export function interpolateEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, key = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, escape: string, name: string, def: string | undefined) => {
      if (escape === '$') return whole.slice(1)
      const v = env[name]
      if (v !== undefined && v !== '') return v
      if (def !== undefined) return def
      throw new ConfigError(key || 'config', `refers to environment variable ${name}, which is not set`)
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${key}[${i}]`))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, key ? `${key}.${k}` : k)
    return out
  }
  return value
}

/** Names of the environment variables a config text refers to (for documentation and `--help`). */
export function referencedEnvNames(text: string): string[] {
  return [...new Set([...text.matchAll(PATTERN)].map((m) => m[1] ?? ''))]
}
