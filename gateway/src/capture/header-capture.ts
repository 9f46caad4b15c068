import type { CapturedHeaders } from '@shadowgate/shared'
import { REDACTED } from './query-redaction.js'

/**
 * The worker needs these to decode a body (the captured body keeps its HTTP content-encoding),
 * so they are never redacted, whatever the config lists.
 */
const NEVER_REDACTED = new Set(['content-type', 'content-encoding'])

export type RawHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

export interface HeaderCaptureRules {
  /** Lower-cased names to keep; undefined keeps every header. */
  readonly keep: ReadonlySet<string> | undefined
  /** Lower-cased names whose values are replaced by `[redacted]`. */
  readonly redact: ReadonlySet<string>
}

/**
 * Copies headers into the job's shape: lower-cased names, repeated headers keep every value (and
 * same-named headers differing only in case are merged), redacted ones keep their count of values
 * but not their content, so a Set-Cookie is visible as present and never in clear.
 */
export function captureHeaders(headers: RawHeaders, rules: HeaderCaptureRules): CapturedHeaders {
  const out: Record<string, string | string[]> = {}
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const name = rawName.toLowerCase()
    if (rules.keep && !rules.keep.has(name)) continue
    const redact = rules.redact.has(name) && !NEVER_REDACTED.has(name)
    const values = typeof value === 'string' ? [value] : [...value]
    const captured = redact ? values.map(() => REDACTED) : values
    const prev = out[name]
    if (prev === undefined) out[name] = typeof value === 'string' ? (captured[0] ?? '') : captured
    else out[name] = [...(typeof prev === 'string' ? [prev] : prev), ...captured]
  }
  return out
}
