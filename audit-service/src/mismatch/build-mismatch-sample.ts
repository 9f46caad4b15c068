import {
  ALWAYS_REDACTED_HEADERS,
  REDACTED,
  headerRedactionName,
  queryRedactionNames,
  redactPathParameters,
  redactQueryString,
  type AuditJob,
  type CapturedOutcome,
  type PathPattern,
} from '@shadowgate/shared'
import type { FieldDifference, Verdict } from '../verdict/verdict.js'
import type { MismatchSample, SampleSide } from './mismatch-group.js'
import { caseInsensitivePatterns, exactPathSegments, redactHeaders, redactValue } from './redact-value.js'

export interface SampleRedaction {
  /** Header names (any case) never stored in clear, in addition to the always-redacted credentials. */
  readonly headers: readonly string[]
  /** Body paths never stored in clear (keys in any case). */
  readonly paths: readonly PathPattern[]
  /**
   * Query and path parameters never stored in clear. The gateway redacts them before queueing;
   * the worker applies them again so a job from an older or differently configured gateway cannot
   * put one into a sample.
   */
  readonly query?: readonly string[] | undefined
  /** The caller identity header: when it is redacted, so is the caller. */
  readonly identityHeader?: string | undefined
}

/** Bounds of one sample, so a huge differing subtree cannot bloat Redis. */
export const MAX_SAMPLE_DIFFERENCES = 100
export const MAX_SAMPLE_VALUE_CHARS = 2_048

function side(o: CapturedOutcome, headers: ReadonlySet<string>): SampleSide {
  if (o.kind === 'error') return { kind: 'error', error: o.error, message: o.message, latencyMs: o.latencyMs }
  return { kind: 'response', status: o.status, headers: redactHeaders(o.headers, headers), latencyMs: o.latencyMs }
}

function cut(value: unknown): unknown {
  if (value === undefined) return undefined
  const json = JSON.stringify(value)
  if (json === undefined || json.length <= MAX_SAMPLE_VALUE_CHARS) return value
  return `${json.slice(0, MAX_SAMPLE_VALUE_CHARS)}… [cut, ${json.length} characters]`
}

function redactDifference(d: FieldDifference, headers: ReadonlySet<string>, paths: readonly PathPattern[]): FieldDifference {
  let primary = d.primary
  let shadow = d.shadow
  if (d.path.startsWith('header:')) {
    if (headers.has(headerRedactionName(d.path.slice('header:'.length)))) {
      primary = primary === undefined ? undefined : REDACTED
      shadow = shadow === undefined ? undefined : REDACTED
    }
  } else if (d.exactPath.startsWith('$') && paths.length > 0) {
    const at = exactPathSegments(d.exactPath)
    // A path we cannot read is redacted whole: safe rather than sorry.
    primary = primary === undefined ? undefined : at ? redactValue(primary, at, paths) : REDACTED
    shadow = shadow === undefined ? undefined : at ? redactValue(shadow, at, paths) : REDACTED
  }
  const out: { -readonly [K in keyof FieldDifference]: FieldDifference[K] } = { path: d.path, exactPath: d.exactPath, kind: d.kind }
  if (primary !== undefined) out.primary = cut(primary)
  if (shadow !== undefined) out.shadow = cut(shadow)
  return out
}

function isoFromNs(ns: string): string {
  const ms = Number(ns.length > 6 ? ns.slice(0, -6) : '0')
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString()
}

/** Builds the redacted, bounded sample of a mismatching pair that the mismatch group keeps. */
export function buildMismatchSample(job: AuditJob, verdict: Verdict, redaction: SampleRedaction): MismatchSample {
  const headers = new Set([...ALWAYS_REDACTED_HEADERS, ...redaction.headers].map(headerRedactionName))
  const identity = redaction.identityHeader === undefined ? undefined : headerRedactionName(redaction.identityHeader)
  const query = queryRedactionNames(redaction.query ?? [])
  const paths = caseInsensitivePatterns(redaction.paths)
  return {
    jobId: job.id,
    instance: job.instance,
    served: job.served ?? 'old',
    capturedAt: isoFromNs(job.capturedAtNs),
    capturedAtNs: job.capturedAtNs,
    method: job.request.method,
    path: redactPathParameters(job.request.path, query),
    query: redactQueryString(job.request.query, query),
    caller: identity !== undefined && headers.has(identity) ? REDACTED : job.request.caller,
    requestHeaders: redactHeaders(job.request.headers, headers),
    primary: side(job.primary, headers),
    shadow: side(job.shadow, headers),
    differences: verdict.differences.slice(0, MAX_SAMPLE_DIFFERENCES).map((d) => redactDifference(d, headers, paths)),
    differenceCount: verdict.differenceCount,
    ...(verdict.recheck ? { recheck: verdict.recheck } : {}),
    ...(verdict.noisePaths && verdict.noisePaths.length > 0 ? { noisePaths: verdict.noisePaths } : {}),
  }
}
