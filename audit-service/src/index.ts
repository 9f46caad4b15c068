// Public API of @shadowgate/audit-service.
export { AuditError, DecodeError, DiffBudgetError, InfluxWriteError, CliUsageError, GateStoredSettingError } from './errors.js'

// Verdicts and the judge.
export { OUTCOMES, DIFF_KINDS, BODY_COMPARISONS } from './verdict/verdict.js'
export type { Outcome, DiffKind, FieldDifference, Verdict, BodyComparison } from './verdict/verdict.js'
export { MATCH_REASONS, MISMATCH_REASONS, SKIP_REASONS, OUTCOME_REASONS } from './verdict/outcome-reasons.js'
export type { SkipReason } from './verdict/outcome-reasons.js'
export { judgePair } from './verdict/judge-pair.js'
export { DEFAULT_MAX_DIFFERENCES, DEFAULT_MAX_DIFF_NODES, judgeLimitsFrom } from './verdict/judge-limits.js'
export type { JudgeLimits } from './verdict/judge-limits.js'
export { mismatchFingerprint } from './verdict/mismatch-fingerprint.js'
export { renderDiff } from './diff/render-diff.js'
export type { DiffSample } from './diff/render-diff.js'

// Mismatch groups.
export { MismatchStore } from './mismatch/mismatch-store.js'
export type { MismatchStoreLimits } from './mismatch/mismatch-store.js'
export type { MismatchGroup, MismatchSample, SampleSide, PathKind } from './mismatch/mismatch-group.js'

// The worker service and its HTTP API.
export { createAuditService, defaultLockDurationMs } from './worker/audit-service.js'
export type { AuditService, AuditServiceOptions } from './worker/audit-service.js'
export type { AuditResult, JudgeFn } from './worker/audit-job-processor.js'
export { AuditMetrics } from './worker/audit-metrics.js'
export { buildAuditHttpApp } from './http/build-audit-http-app.js'
export type { AuditHttpAppOptions } from './http/build-audit-http-app.js'
