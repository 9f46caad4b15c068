import { DecodeError } from '../errors.js'
import { parseJsonExact } from './exact-json-parser.js'
import { scanJson } from './json-scan.js'
import type { JsonValue } from './json-value.js'

export interface ParsedJson {
  readonly value: JsonValue
  /** The document repeats a key inside one object; the last occurrence is the one compared (JSON.parse semantics). */
  readonly duplicateKeys: boolean
}

/** Members of every object in a JSON.parse result, counted without recursion. */
function countMembers(root: unknown): number {
  let members = 0
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v !== 'object' || v === null) continue
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) stack.push(x)
      continue
    }
    for (const k in v) {
      members++
      const x = (v as Record<string, unknown>)[k]
      if (typeof x === 'object' && x !== null) stack.push(x)
    }
  }
  return members
}

/**
 * Parses a JSON body within limits: nesting deeper than `maxDepth` is DecodeError(`too_deep`) found by
 * a linear pre-scan (never a stack overflow or a slow parse); malformed text is DecodeError(`invalid_json`)
 * with JSON.parse's message. Unsafe integer literals are kept exact (see JsonValue). Duplicate keys are
 * not an error: the last occurrence wins as in JSON.parse, and `duplicateKeys` reports them. With
 * `literals` every number keeps how it was written (see JsonNumber), at the exact parser's cost.
 */
export function parseJsonBody(text: string, maxDepth: number, what: string, options: { literals?: boolean } = {}): ParsedJson {
  const scan = scanJson(text, maxDepth)
  if (scan.tooDeep) throw new DecodeError('too_deep', `${what}: JSON nesting exceeds ${maxDepth} levels`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new DecodeError('invalid_json', `${what}: ${(error as Error).message}`, { cause: error })
  }
  if (scan.hasBigIntegers || options.literals === true) {
    try {
      return parseJsonExact(text, options)
    } catch (error) {
      // JSON.parse accepted the text, so this is a defect of the exact parser; report it rather than guess.
      throw new DecodeError('invalid_json', `${what}: exact number parse failed (${(error as Error).message})`, { cause: error })
    }
  }
  return { value: value as JsonValue, duplicateKeys: countMembers(value) !== scan.members }
}
