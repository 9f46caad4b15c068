import { JsonNumber, type JsonValue } from './json-value.js'

export interface ExactParse {
  readonly value: JsonValue
  readonly duplicateKeys: boolean
}

class SyntaxFailure extends Error {}

/**
 * A JSON parser that keeps integer literals outside the safe range as exact `bigint`s and reports
 * duplicate keys (the last one wins, as with JSON.parse). It is slower than JSON.parse, so it only
 * runs when a scan found such integers, and only on text JSON.parse already accepted; it still
 * checks what it reads and throws SyntaxError rather than guessing. Nesting is bounded by the caller's scan.
 * With `literals`, a number not written the way JavaScript writes its value becomes a JsonNumber.
 */
export function parseJsonExact(text: string, options: { literals?: boolean } = {}): ExactParse {
  const literals = options.literals === true
  let i = 0
  let duplicateKeys = false
  const n = text.length

  const fail = (what: string): never => {
    throw new SyntaxFailure(`${what} at offset ${i}`)
  }
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++
      else return
    }
  }
  const str = (): string => {
    const start = i
    i++
    let escaped = false
    for (;;) {
      if (i >= n) fail('unterminated string')
      const c = text.charCodeAt(i)
      if (c === 0x22) break
      if (c === 0x5c) {
        escaped = true
        i += 2
      } else i++
    }
    i++
    // Escapes are rare; JSON.parse of the lone string token decodes them exactly like the whole-document parse would.
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1)
  }
  const num = (): number | bigint | JsonNumber => {
    const start = i
    let integer = true
    for (; i < n; i++) {
      const c = text.charCodeAt(i)
      if ((c >= 0x30 && c <= 0x39) || (c === 0x2d && i === start)) continue
      if (c !== 0x2e && c !== 0x65 && c !== 0x45 && c !== 0x2b && c !== 0x2d) break
      integer = false
    }
    const token = text.slice(start, i)
    const asNumber = Number(token)
    if (Number.isNaN(asNumber)) fail(`invalid number ${token}`)
    if (integer && !Number.isSafeInteger(asNumber)) return BigInt(token)
    return literals && String(asNumber) !== token ? new JsonNumber(asNumber, token) : asNumber
  }
  const value = (): JsonValue => {
    ws()
    const c = text.charCodeAt(i)
    if (c === 0x7b) return object()
    if (c === 0x5b) return array()
    if (c === 0x22) return str()
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return num()
    if (text.startsWith('true', i)) return (i += 4), true
    if (text.startsWith('false', i)) return (i += 5), false
    if (text.startsWith('null', i)) return (i += 4), null
    return fail('unexpected token')
  }
  const array = (): JsonValue[] => {
    const out: JsonValue[] = []
    i++
    ws()
    if (text.charCodeAt(i) === 0x5d) return i++, out
    for (;;) {
      out.push(value())
      ws()
      const c = text.charCodeAt(i++)
      if (c === 0x5d) return out
      if (c !== 0x2c) fail('expected "," or "]"')
    }
  }
  const object = (): { [key: string]: JsonValue } => {
    const out: { [key: string]: JsonValue } = {}
    i++
    ws()
    if (text.charCodeAt(i) === 0x7d) return i++, out
    for (;;) {
      ws()
      if (text.charCodeAt(i) !== 0x22) fail('expected a key')
      const key = str()
      ws()
      if (text.charCodeAt(i++) !== 0x3a) fail('expected ":"')
      const v = value()
      if (Object.hasOwn(out, key)) duplicateKeys = true
      // defineProperty keeps "__proto__" an ordinary own key, exactly as JSON.parse does.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
      else out[key] = v
      ws()
      const c = text.charCodeAt(i++)
      if (c === 0x7d) return out
      if (c !== 0x2c) fail('expected "," or "}"')
    }
  }

  try {
    const v = value()
    ws()
    if (i < n) fail('unexpected text after the document')
    return { value: v, duplicateKeys }
  } catch (error) {
    if (error instanceof SyntaxFailure) throw new SyntaxError(error.message)
    throw error
  }
}
