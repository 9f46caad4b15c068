/**
 * Why a captured pair did not reach the audit queue. Each pair the producer drops is counted under
 * exactly one of these; as `dropped_<reason>` they are values of the `result` label of
 * shadowgate_audit_pairs_total, so the list is a contract. `capture_budget`: the copy was sent, but
 * the captures in progress already held `audit.maxCaptureBytesTotal`, so the pair was given up.
 */
export const AUDIT_DROP_REASONS = ['buffer_full', 'queue_full', 'redis', 'invalid', 'shutdown', 'capture_budget'] as const

export type AuditDropReason = (typeof AUDIT_DROP_REASONS)[number]
