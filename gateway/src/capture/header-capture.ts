import { REDACTED, headerRedactionName, type CapturedHeaders } from '@shadowgate/shared'

/**
 * The worker needs these to decode a body (the captured body keeps its HTTP content-encoding),
 * so they are never redacted, whatever the config lists.
 */
const NEVER_REDACTED = new Set(['content-type', 'content-encoding'])

export type RawHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

export interface HeaderCaptureRules {
  /** Lower-cased names to keep; undefined keeps every header. */
  readonly keep: ReadonlySet<string> | undefined
  /** Names (as headerRedactionName spells them) whose values are replaced by `[redacted]`. */
  readonly redact: ReadonlySet<string>
}

/**
 * Copies headers into the job's shape: lower-cased names, repeated headers keep every value (and
 * same-named headers differing only in case are merged), redacted ones keep their count of values
 * but not their content, so a Set-Cookie is visible as present and never in clear.
 */
export function captureHeaders(headers: RawHeaders, rules: HeaderCaptureRules): CapturedHeaders {
  const out: Record<string, string | string[]> = {}
  // for...in, not Object.entries: no array per header, and header records may have no prototype.
  for (const rawName in headers) {
    if (!Object.hasOwn(headers, rawName)) continue
    const value = headers[rawName]
    if (value === undefined) continue
    const name = rawName.toLowerCase()
    if (rules.keep && !rules.keep.has(name)) continue
    const redact = rules.redact.has(headerRedactionName(name)) && !NEVER_REDACTED.has(name)
    const prev = out[name]
    // The common case, one plain value seen for the first time, allocates nothing.
    if (prev === undefined && typeof value === 'string') {
      out[name] = redact ? REDACTED : value
      continue
    }
    const values = typeof value === 'string' ? [value] : [...value]
    const captured = redact ? values.map(() => REDACTED) : values
    if (prev === undefined) out[name] = captured
    else out[name] = [...(typeof prev === 'string' ? [prev] : prev), ...captured]
  }
  return out
}
