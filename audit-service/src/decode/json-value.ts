/**
 * A number whose literal is not how JavaScript writes its value (`1.0`, `1e2`, `-0`, `0.10`), kept
 * only when a route compares numbers as written (`audit.numbers: literal`): its value for tolerances,
 * its literal for equality.
 */
export class JsonNumber {
  constructor(
    readonly value: number,
    readonly literal: string,
  ) {}
}

/** The literal of a JSON number: as written for a JsonNumber, else as JavaScript writes the value (which is how it was written). */
export function numberLiteral(n: number | bigint | JsonNumber): string {
  return n instanceof JsonNumber ? n.literal : String(n)
}

/**
 * A parsed JSON document. Integer literals that are not safe integers (beyond ±2^53-1) are kept
 * exactly as `bigint`, so 9007199254740993 and 9007199254740992 stay different; every other number
 * is a double, as JSON.parse gives it, or a JsonNumber when literals are kept.
 */
export type JsonValue = null | boolean | number | bigint | JsonNumber | string | JsonValue[] | { [key: string]: JsonValue }

/** The JSON type of a value; a bigint is a `number`, like any other JSON number. */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object'

export function jsonType(v: JsonValue): JsonType {
  switch (typeof v) {
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'array' : v instanceof JsonNumber ? 'number' : 'object'
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
