import { ConfigError } from '../errors.js'

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

const REF = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/** A `${...}` reference lifted out of the YAML text before parsing. */
export interface EnvReference {
  readonly name: string
  readonly def: string | undefined
  /** `$${NAME}`: stands for the literal text `${NAME}`. */
  readonly literal: boolean
  /** Where the reference starts in the original text, and how long it is there. */
  readonly offset: number
  readonly length: number
}

/** The YAML text with its references swapped for markers, and what each marker stands for. */
export interface ProtectedText {
  readonly text: string
  readonly refs: readonly EnvReference[]
  /** The character that opens and closes every marker; the original text does not contain it. */
  readonly marker: string
}

/**
 * A private-use character that occurs nowhere in `text`, not even as a YAML escape (`\uE000`), so
 * it can only reach a parsed string through a marker. Text that uses all of them is refused.
 */
function absentCharacter(text: string): string {
  const lower = text.toLowerCase()
  for (let code = 0xe000; code <= 0xf8ff; code++) {
    const c = String.fromCharCode(code)
    if (!text.includes(c) && !lower.includes(code.toString(16))) return c
  }
  throw new ConfigError('config', 'uses every private-use character; shadowgate needs one of them free to read ${NAME} references')
}

/**
 * Lifts every `${NAME}` out of the YAML text and puts a marker in its place. Unquoted references are
 * common (`token: ${ADMIN_TOKEN}` inside a flow map), but `{` is YAML syntax there; markers keep the
 * document valid, and interpolateEnv puts the values into the parsed strings, so a secret containing
 * `:` or `#` cannot change the document's shape either. A marker is built from a character the
 * text does not contain, so no literal text of the config can pass for one (a fixed placeholder
 * word could, and would receive another variable's value).
 */
export function protectEnvReferences(text: string): ProtectedText {
  const marker = absentCharacter(text)
  const refs: EnvReference[] = []
  const out = text.replace(REF, (whole: string, escape: string, name: string, def: string | undefined, offset: number) => {
    refs.push({ name, def, literal: escape === '$', offset, length: whole.length })
    return `${marker}${refs.length - 1}${marker}`
  })
  return { text: out, refs, marker }
}

/** Maps an offset of the protected text back to the original text (for error positions). */
export function originalOffset(p: ProtectedText, offset: number): number {
  let shift = 0
  for (const [i, ref] of p.refs.entries()) {
    const start = ref.offset - shift
    const length = String(i).length + 2
    if (offset < start) break
    if (offset < start + length) return ref.offset
    shift += ref.length - length
  }
  return offset + shift
}

function refText(ref: EnvReference): string {
  return `\${${ref.name}${ref.def !== undefined ? `:-${ref.def}` : ''}}`
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML tree. It runs on parsed
 * values, not on the YAML text, so a secret containing `:` or `#` cannot change the document's shape.
 * A variable that is unset and has no default is an error naming the key and the variable.
 * `$${NAME}` stays as the literal text `${NAME}`. Given the ProtectedText the tree was parsed from,
 * it resolves that text's markers instead; mapping keys keep the reference's text.
 */
export function interpolateEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, key = '', prot?: ProtectedText): unknown {
  const markers = prot ? new RegExp(`${prot.marker}([0-9]+)${prot.marker}`, 'g') : undefined
  const resolve = (name: string, def: string | undefined): string => {
    const v = env[name]
    if (v !== undefined && v !== '') return v
    if (def !== undefined) return def
    throw new ConfigError(key || 'config', `refers to environment variable ${name}, which is not set`)
  }
  if (typeof value === 'string') {
    if (prot && markers) {
      return value.replace(markers, (whole, i: string) => {
        const ref = prot.refs[Number(i)]
        if (!ref) return whole
        return ref.literal ? refText(ref) : resolve(ref.name, ref.def)
      })
    }
    return value.replace(REF, (whole, escape: string, name: string, def: string | undefined) => {
      if (escape === '$') return whole.slice(1)
      return resolve(name, def)
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${key}[${i}]`, prot))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [rawKey, v] of Object.entries(value)) {
      const k = markers && prot ? rawKey.replace(markers, (whole, i: string) => (prot.refs[Number(i)] ? refText(prot.refs[Number(i)] as EnvReference) : whole)) : rawKey
      out[k] = interpolateEnv(v, env, key ? `${key}.${k}` : k, prot)
    }
    return out
  }
  return value
}

/** Names of the environment variables a config text refers to (for documentation and `--help`). */
export function referencedEnvNames(text: string): string[] {
  return [...new Set([...text.matchAll(PATTERN)].map((m) => m[1] ?? ''))]
}
