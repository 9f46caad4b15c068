import { ConfigError } from '../errors.js'

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

const REF = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/** A `${...}` reference lifted out of the YAML text before parsing. */
export interface EnvReference {
  readonly name: string
  readonly def: string | undefined
  /** `$${NAME}`: stands for the literal text `${NAME}`. */
  readonly literal: boolean
}

/**
 * Lifts every `${NAME}` out of the YAML text and puts a plain token in its place. Unquoted
 * references are common (`token: ${ADMIN_TOKEN}` inside a flow map), but `{` is YAML syntax there;
 * tokens keep the document valid, and interpolateEnv puts the values back into the parsed strings,
 * so a secret containing `:` or `#` cannot change the document's shape either.
 */
export function protectEnvReferences(text: string): { text: string; refs: EnvReference[] } {
  const refs: EnvReference[] = []
  const out = text.replace(REF, (_whole, escape: string, name: string, def: string | undefined) => {
    refs.push({ name, def, literal: escape === '$' })
    return `SGENVREF${refs.length - 1}X`
  })
  return { text: out, refs }
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML tree. It runs on parsed
 * values, not on the YAML text, so a secret containing `:` or `#` cannot change the document's shape.
 * A variable that is unset and has no default is an error naming the key and the variable.
 * `$${NAME}` stays as the literal text `${NAME}`.
 */
export function interpolateEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, key = '', refs?: readonly EnvReference[]): unknown {
  if (typeof value === 'string') {
    const resolve = (name: string, def: string | undefined): string => {
      const v = env[name]
      if (v !== undefined && v !== '') return v
      if (def !== undefined) return def
      throw new ConfigError(key || 'config', `refers to environment variable ${name}, which is not set`)
    }
    if (refs) {
      return value.replace(/SGENVREF([0-9]+)X/g, (whole, i: string) => {
        const ref = refs[Number(i)]
        if (!ref) return whole
        return ref.literal ? `\${${ref.name}${ref.def !== undefined ? `:-${ref.def}` : ''}}` : resolve(ref.name, ref.def)
      })
    }
    return value.replace(/(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, escape: string, name: string, def: string | undefined) => {
      if (escape === '$') return whole.slice(1)
      return resolve(name, def)
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${key}[${i}]`, refs))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, key ? `${key}.${k}` : k, refs)
    return out
  }
  return value
}

/** Names of the environment variables a config text refers to (for documentation and `--help`). */
export function referencedEnvNames(text: string): string[] {
  return [...new Set([...text.matchAll(PATTERN)].map((m) => m[1] ?? ''))]
}
