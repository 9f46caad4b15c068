/** What a cheap pass over JSON text found, before any parsing. */
export interface JsonScan {
  /** The nesting limit was exceeded; scanning stopped there. */
  readonly tooDeep: boolean
  /** Deepest nesting seen (up to the limit). */
  readonly depth: number
  /** Some integer literal is outside the safe range, so JSON.parse would round it. */
  readonly hasBigIntegers: boolean
  /** Colons outside strings: in valid JSON, exactly the number of object members. */
  readonly members: number
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Linear scan that never allocates per token: measures nesting so a 10,000-deep document is refused
 * before JSON.parse or any recursive walk sees it, spots integers that need exact handling, and counts
 * members so duplicate keys can be detected after JSON.parse (which silently keeps the last one).
 * It does not validate: malformed text is left for JSON.parse to reject with a precise message.
 */
export function scanJson(text: string, maxDepth: number): JsonScan {
  const n = text.length
  let depth = 0
  let deepest = 0
  let members = 0
  let big = false
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      i++
      for (;;) {
        const q = text.indexOf('"', i)
        if (q < 0) {
          i = n
          break
        }
        let k = q - 1
        while (k >= i && text.charCodeAt(k) === BACKSLASH) k--
        i = q + 1
        // An even run of backslashes before the quote escapes only itself: the string ends here.
        if (((q - 1 - k) & 1) === 0) break
      }
      continue
    }
    if (c === 0x7b || c === 0x5b) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (depth > maxDepth) return { tooDeep: true, depth, hasBigIntegers: big, members }
      }
      i++
      continue
    }
    if (c === 0x7d || c === 0x5d) {
      depth--
      i++
      continue
    }
    if (c === 0x3a) {
      members++
      i++
      continue
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i
      let digits = 0
      let integer = true
      for (; i < n; i++) {
        const d = text.charCodeAt(i)
        if (d >= 0x30 && d <= 0x39) digits++
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || (d === 0x2d && i > start)) integer = false
        else if (d !== 0x2d) break
      }
      // 9007199254740991 has 16 digits: shorter integer literals are always safe.
      if (integer && digits >= 16 && !big && !Number.isSafeInteger(Number(text.slice(start, i)))) big = true
      continue
    }
    i++
  }
  return { tooDeep: false, depth: deepest, hasBigIntegers: big, members }
}
