import { Point } from '@influxdata/influxdb-client'
import type { Verdict } from '../verdict/verdict.js'
import { AUDIT_MEASUREMENT } from '@shadowgate/influx'

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
 * The one `shadowgate_audit` point of an audited pair; `served` says which side answered the client
 * (the diff is old vs new either way). Its identity is (route, method, outcome,
 * pair time): a re-run job writes the very same point again instead of adding one.
 */
export function auditPoint(input: AuditPointInput): Point {
  const v = input.verdict
  return new Point(AUDIT_MEASUREMENT)
    .tag('route', input.route)
    .tag('method', input.method)
    .tag('outcome', v.outcome)
    .tag('served', input.served === 'new' ? 'new' : 'old')
    .intField('mismatch', v.outcome === 'mismatch' ? 1 : 0)
    .floatField('primary_ms', finite(v.primaryMs))
    .floatField('shadow_ms', finite(v.shadowMs))
    .intField('primary_status', Math.trunc(finite(v.primaryStatus)))
    .intField('shadow_status', Math.trunc(finite(v.shadowStatus)))
    .intField('diff_paths', Math.trunc(finite(v.differenceCount)))
    .stringField('fingerprint', v.fingerprint ?? '')
    .stringField('reason', v.reason)
    .timestamp(input.timestampNs)
}

function finite(n: number): number {
  return Number.isFinite(n) ? n : 0
}
