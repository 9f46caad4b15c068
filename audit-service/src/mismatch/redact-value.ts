import { REDACTED, headerRedactionName, parsePathPattern, pathMatches, type PathPattern, type PathSegment } from '@shadowgate/shared'

/**
 * Parses an exact body path (`$.items[3].token`) into segments; undefined when it is not one
 * (a caller then redacts the whole value rather than guess).
 */
export function exactPathSegments(exactPath: string): PathSegment[] | undefined {
  try {
    const out: PathSegment[] = []
    for (const s of parsePathPattern(exactPath).segments) {
      if (s.type === 'key') out.push(s.name)
      else if (s.type === 'index') out.push(s.index)
      else return undefined
    }
    return out
  } catch {
    return undefined
  }
}

/**
 * Redact patterns with their key names lower-cased, for redactValue: Go's encoding/json and
 * ASP.NET Core's web defaults bind `{"PASSWORD": …}` to a `password` field, so key case must not
 * let a value through.
 */
export function caseInsensitivePatterns(patterns: readonly PathPattern[]): PathPattern[] {
  return patterns.map((p) => ({ source: p.source, segments: p.segments.map((s) => (s.type === 'key' ? { type: 'key', name: s.name.toLowerCase() } : s)) }))
}

/**
 * Returns `value` (found at `at` inside a body) with every node a redact pattern matches replaced
 * by "[redacted]", at any depth: a difference at `$.user` whose value holds `password` is redacted
 * by the pattern `$.user.password` or `$..password`. Keys compare case-insensitively: pass
 * patterns through caseInsensitivePatterns.
 */
export function redactValue(value: unknown, at: readonly PathSegment[], patterns: readonly PathPattern[]): unknown {
  if (patterns.length === 0) return value
  const lowered = at.map((s) => (typeof s === 'string' ? s.toLowerCase() : s))
  if (patterns.some((p) => pathMatches(p, lowered))) return REDACTED
  if (Array.isArray(value)) return value.map((v, i) => redactValue(v, [...at, i], patterns))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, [...at, k], patterns)
    return out
  }
  return value
}

/** Copies headers with the named ones (a set of headerRedactionName forms) replaced by "[redacted]". */
export function redactHeaders(headers: Readonly<Record<string, string | readonly string[]>>, redacted: ReadonlySet<string>): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {}
  for (const [name, value] of Object.entries(headers)) out[name] = redacted.has(headerRedactionName(name)) ? REDACTED : value
  return out
}
