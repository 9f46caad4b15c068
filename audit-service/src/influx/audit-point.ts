import { Point } from '@influxdata/influxdb-client'
import { AUDIT_MEASUREMENT } from '@shadowgate/influx'
import { isJudged, type Verdict } from '../verdict/verdict.js'

export interface AuditPointInput {
  /** Tag-safe values (see routeTag, methodTag). */
  readonly route: string
  readonly method: string
  readonly verdict: Verdict
  /** Which side served the client (the job's `served`); default `old`. */
  readonly served?: 'old' | 'new' | undefined
  /** The pair's point time in epoch nanoseconds (decimal string). */
  readonly timestampNs: string
}

/**
 * The one `shadowgate_audit` point of an audited pair (schema version AUDIT_SCHEMA_VERSION). Its
 * identity is (route, method, outcome, pair time): a re-run job writes the very same point again
 * instead of adding one. `judged` is on every point; `mismatch` only on judged ones, so that
 * `mean("mismatch")` is the rate over judged pairs and a shadow that never answers cannot read as
 * a clean 0 %. `served` says which side answered the client (the diff is old vs new either way).
 */
export function auditPoint(input: AuditPointInput): Point {
  const v = input.verdict
  const judged = isJudged(v.outcome)
  const point = new Point(AUDIT_MEASUREMENT).tag('route', input.route).tag('method', input.method).tag('outcome', v.outcome).tag('served', input.served === 'new' ? 'new' : 'old').intField('judged', judged ? 1 : 0)
  if (judged) point.intField('mismatch', v.outcome === 'mismatch' ? 1 : 0)
  point
    .floatField('primary_ms', finite(v.primaryMs))
    .floatField('shadow_ms', finite(v.shadowMs))
    .intField('primary_status', Math.trunc(finite(v.primaryStatus)))
    .intField('shadow_status', Math.trunc(finite(v.shadowStatus)))
    .intField('diff_paths', Math.trunc(finite(v.differenceCount)))
    .stringField('fingerprint', v.fingerprint ?? '')
    .stringField('reason', v.reason)
    .timestamp(input.timestampNs)
  // Only re-check suspects carry the tag, so every other pair keeps its series as before.
  if (v.recheck) point.tag('recheck', v.recheck.state).intField('recheck_ms', Math.trunc(finite(v.recheck.delayMs)))
  if (v.noisePaths && v.noisePaths.length > 0) point.intField('noise_paths', v.noisePaths.length)
  return point
}

function finite(n: number): number {
  return Number.isFinite(n) ? n : 0
}
