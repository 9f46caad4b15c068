import { PathSyntaxError } from './errors.js'

/**
 * One canonical grammar for field paths, used by diffs, aggregation, ignore rules and dashboards:
 *
 *   $                 the whole body
 *   $.items[3].price  object key `items`, array index 3, key `price`
 *   $.items[*].price  the same with the index collapsed, the form used for aggregation and tags
 *   $["odd key"]      keys that are not identifiers are JSON-quoted in brackets
 *
 * Patterns (ignore rules, array and tolerance options) may also use `.*` (any key at one level),
 * `[*]` (any index) and `..name` (key `name` at any depth below).
 */

/** A concrete location inside a JSON document: keys are strings, array indices numbers. */
export type PathSegment = string | number

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

function formatKey(key: string): string {
  return IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

/** Formats a concrete path exactly, keeping array indices: `$.items[3].price`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '$'
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : formatKey(s)
  return out
}

/** Formats a path with every array index collapsed to `[*]`: the aggregation key `$.items[*].price`. */
export function formatCollapsedPath(segments: readonly PathSegment[]): string {
  let out = '$'
  for (const s of segments) out += typeof s === 'number' ? '[*]' : formatKey(s)
  return out
}

export type PatternSegment =
  | { readonly type: 'key'; readonly name: string }
  | { readonly type: 'index'; readonly index: number }
  | { readonly type: 'anyKey' }
  | { readonly type: 'anyIndex' }
  | { readonly type: 'descend' }

/** A parsed path pattern; `source` is the canonical text. */
export interface PathPattern {
  readonly source: string
  readonly segments: readonly PatternSegment[]
}

/**
 * Parses a path or pattern. Throws PathSyntaxError naming what is wrong, so a rule that could
 * never match anything is rejected when the config loads instead of silently ignoring nothing.
 */
export function parsePathPattern(text: string): PathPattern {
  if (typeof text !== 'string' || !text.startsWith('$')) throw new PathSyntaxError(String(text), 'must start with "$"')
  const segments: PatternSegment[] = []
  let i = 1
  while (i < text.length) {
    const c = text[i]
    if (c === '.') {
      if (text[i + 1] === '.') {
        segments.push({ type: 'descend' })
        i += 2
        if (i >= text.length || text[i] === '.' || text[i] === '[') throw new PathSyntaxError(text, `needs a key name after ".." at offset ${i}`)
        continue
      }
      i++
      if (text[i] === '*') {
        segments.push({ type: 'anyKey' })
        i++
        continue
      }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))
      if (!m) throw new PathSyntaxError(text, `has an invalid key at offset ${i} (use ["key"] for keys that are not identifiers)`)
      segments.push({ type: 'key', name: m[0] })
      i += m[0].length
      continue
    }
    if (/^[A-Za-z_]/.test(c ?? '') && segments.at(-1)?.type === 'descend') {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))
      if (m) {
        segments.push({ type: 'key', name: m[0] })
        i += m[0].length
        continue
      }
    }
    if (c === '[') {
      const close = findBracketEnd(text, i)
      const inner = text.slice(i + 1, close)
      if (inner === '*') segments.push({ type: 'anyIndex' })
      else if (/^(0|[1-9][0-9]*)$/.test(inner)) segments.push({ type: 'index', index: Number(inner) })
      else if (inner.startsWith('"')) {
        let name: unknown
        try {
          name = JSON.parse(inner)
        } catch {
          name = undefined
        }
        if (typeof name !== 'string') throw new PathSyntaxError(text, `has an invalid quoted key ${inner}`)
        segments.push({ type: 'key', name })
      } else throw new PathSyntaxError(text, `has an invalid bracket "[${inner}]" (expected [*], [index] or ["key"])`)
      i = close + 1
      continue
    }
    throw new PathSyntaxError(text, `has an unexpected "${c}" at offset ${i}`)
  }
  if (segments.at(-1)?.type === 'descend') throw new PathSyntaxError(text, 'cannot end with ".."')
  return { source: formatPattern(segments), segments }
}

function findBracketEnd(text: string, open: number): number {
  let i = open + 1
  if (text[i] === '"') {
    i++
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
  }
  const close = text.indexOf(']', i)
  if (close < 0) throw new PathSyntaxError(text, `has an unclosed "[" at offset ${open}`)
  return close
}

function formatPattern(segments: readonly PatternSegment[]): string {
  let out = '$'
  for (const s of segments) {
    if (s.type === 'key') out += out.endsWith('..') && IDENT.test(s.name) ? s.name : formatKey(s.name)
    else if (s.type === 'index') out += `[${s.index}]`
    else if (s.type === 'anyIndex') out += '[*]'
    else if (s.type === 'anyKey') out += '.*'
    else out += '..'
  }
  return out
}

/** True when the concrete path `segments` is matched by `pattern` (also when the pattern matches one of its ancestors). */
export function pathMatches(pattern: PathPattern, segments: readonly PathSegment[]): boolean {
  return matchFrom(pattern.segments, 0, segments, 0)
}

function matchFrom(p: readonly PatternSegment[], pi: number, s: readonly PathSegment[], si: number): boolean {
  // A pattern that is exhausted matches the node and everything below it: ignoring $.meta ignores $.meta.ts.
  if (pi === p.length) return true
  const seg = p[pi]
  if (seg === undefined) return true
  if (seg.type === 'descend') {
    for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k)) return true
    return false
  }
  if (si >= s.length) return false
  const v = s[si]
  switch (seg.type) {
    case 'key':
      return v === seg.name && matchFrom(p, pi + 1, s, si + 1)
    case 'index':
      return v === seg.index && matchFrom(p, pi + 1, s, si + 1)
    case 'anyKey':
      return typeof v === 'string' && matchFrom(p, pi + 1, s, si + 1)
    case 'anyIndex':
      return typeof v === 'number' && matchFrom(p, pi + 1, s, si + 1)
  }
}

/** True when `pattern` matches exactly this node (not merely an ancestor of it). */
export function pathMatchesExactly(pattern: PathPattern, segments: readonly PathSegment[]): boolean {
  return exactFrom(pattern.segments, 0, segments, 0)
}

function exactFrom(p: readonly PatternSegment[], pi: number, s: readonly PathSegment[], si: number): boolean {
  if (pi === p.length) return si === s.length
  const seg = p[pi]
  if (seg === undefined) return si === s.length
  if (seg.type === 'descend') {
    for (let k = si; k <= s.length; k++) if (exactFrom(p, pi + 1, s, k)) return true
    return false
  }
  if (si >= s.length) return false
  const v = s[si]
  switch (seg.type) {
    case 'key':
      return v === seg.name && exactFrom(p, pi + 1, s, si + 1)
    case 'index':
      return v === seg.index && exactFrom(p, pi + 1, s, si + 1)
    case 'anyKey':
      return typeof v === 'string' && exactFrom(p, pi + 1, s, si + 1)
    case 'anyIndex':
      return typeof v === 'number' && exactFrom(p, pi + 1, s, si + 1)
  }
}
