import { Type, type TSchema } from '@sinclair/typebox'

/*
 * The building blocks of the config schema (config-schema.ts): the shapes shadowgate.yaml repeats
 * (durations, ports, counts, header and method lists, sections) with their bounds and messages.
 */

export const HTTP_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'CONNECT']
/** RFC 9110 token: the characters allowed in a header name. */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
/** RFC 9110 field-value characters (HTAB, SP, VCHAR, obs-text): no CR, LF, NUL or other controls. */
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7e\\x80-\\xff]*$'
/** A token shorter than this is refused: it would be guessable by anyone who can reach the port. */
export const MIN_TOKEN_LENGTH = 16
export const DURATION_PATTERN = '^\\s*[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d)?\\s*$'
export const DURATION_MESSAGE = 'must be a duration such as 500ms, 5s or 10m (a bare number is milliseconds)'

/** `GET` → `[Gg][Ee][Tt]`: methods are case-insensitive, and a JSON Schema pattern has no `i` flag. */
function caseInsensitive(word: string): string {
  return [...word].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join('')
}

/** 30000 → '30s': defaults are published in the form people write them. */
function durationText(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

export function duration(def: number, range: { min?: number; max?: number }, description: string): TSchema & { static: string | number } {
  return Type.Unsafe<string | number>({ type: ['string', 'number'], pattern: DURATION_PATTERN, duration: range, default: durationText(def), description, errorMessage: DURATION_MESSAGE })
}

export function port(def: number, description: string) {
  return Type.Integer({ minimum: 0, maximum: 65535, default: def, description })
}

export function count(def: number, min: number, description: string, max?: number) {
  return Type.Integer({ minimum: min, ...(max === undefined ? {} : { maximum: max }), default: def, description })
}

export function percent(def: number, description: string) {
  return Type.Number({ minimum: 0, maximum: 100, default: def, description })
}

export function stringList(def: readonly string[], description: string) {
  return Type.Array(Type.String({ minLength: 1, errorMessage: 'must be a non-empty string' }), { default: [...def], description, errorMessage: 'must be a list of strings' })
}

export function headerList(def: readonly string[], description: string) {
  return Type.Array(Type.String({ pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name' }), { default: [...def], description, errorMessage: 'must be a list of strings' })
}

export function methodList(def: readonly string[] | undefined, description: string) {
  const method = Type.String({ pattern: `^(${HTTP_METHODS.map(caseInsensitive).join('|')})$`, errorMessage: `must be an HTTP method (${HTTP_METHODS.join(', ')})` })
  return Type.Array(method, { ...(def ? { default: [...def] } : {}), description, errorMessage: 'must be a list of strings' })
}

export const fieldPath = Type.String({ fieldPath: true, errorMessage: 'must be a field path string such as $.items[*].price' })

export function fieldPathList(description: string) {
  return Type.Array(fieldPath, { default: [], description, errorMessage: 'must be a list' })
}

export function token(description: string) {
  return Type.Optional(Type.String({ minLength: MIN_TOKEN_LENGTH, description }))
}

export function section<T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) {
  return Type.Object(properties, { additionalProperties: false, default: {}, description })
}

export function listen(host: string, portDefault: number, what: string) {
  return {
    host: Type.String({ default: host, description: `Address the ${what} listens on.` }),
    port: port(portDefault, `Port of the ${what} (0: any free port).`),
  }
}

export const upstream = (description: string) => Type.String({ upstreamUrl: true, description })
