/**
 * A parsed JSON document. Integer literals that are not safe integers (beyond ±2^53-1) are kept
 * exactly as `bigint`, so 9007199254740993 and 9007199254740992 stay different; every other number
 * is a double, as JSON.parse gives it.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue }

/** The JSON type of a value; a bigint is a `number`, like any other JSON number. */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object'

export function jsonType(v: JsonValue): JsonType {
  switch (typeof v) {
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'array' : 'object'
    case 'bigint':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'number':
      return 'number'
    default:
      return 'string'
  }
}
