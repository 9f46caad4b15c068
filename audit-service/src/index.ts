// Public API of @shadowgate/audit-service.
export {
  AuditError,
  DecodeError,
  DiffBudgetError,
  InfluxWriteError,
  CliUsageError,
  AuditApiError,
  ApiHostNotAllowedError,
  ApiOriginNotAllowedError,
  ApiBadRequestError,
  ApiNotFoundError,
  ApiUnauthorizedError,
  GateStoredSettingError,
} from './errors.js'

// Verdicts and the judge.
export { OUTCOMES, DIFF_KINDS, BODY_COMPARISONS, isJudged } from './verdict/verdict.js'
export type { Outcome, DiffKind, FieldDifference, Verdict, BodyComparison } from './verdict/verdict.js'
export { MATCH_REASONS, MISMATCH_REASONS, SKIP_REASONS, OUTCOME_REASONS } from './verdict/outcome-reasons.js'
export type { SkipReason } from './verdict/outcome-reasons.js'
export { judgePair } from './verdict/judge-pair.js'
export { DEFAULT_MAX_DIFFERENCES, DEFAULT_MAX_DIFF_NODES, judgeLimitsFrom } from './verdict/judge-limits.js'
export type { JudgeLimits } from './verdict/judge-limits.js'
export { mismatchFingerprint } from './verdict/mismatch-fingerprint.js'
export { renderDiff } from './diff/render-diff.js'
export type { DiffSample } from './diff/render-diff.js'
export { HEADER_RULES, headerComparisonKey } from './diff/header-semantics.js'
export type { HeaderRule } from './diff/header-semantics.js'

// Mismatch groups.
export { MismatchStore } from './mismatch/mismatch-store.js'
export type { MismatchStoreLimits, ListOptions } from './mismatch/mismatch-store.js'
export type { MismatchGroup, MismatchSample, SampleSide, PathKind } from './mismatch/mismatch-group.js'

// The worker service and its HTTP API.
export { createRedisClient } from './create-redis-client.js'
export type { RedisClient } from './create-redis-client.js'
export { createAuditService, defaultLockDurationMs } from './worker/audit-service.js'
export type { AuditService, AuditServiceOptions } from './worker/audit-service.js'
export type { AuditResult, JudgeFn } from './worker/audit-job-processor.js'
export { AuditMetrics } from './worker/audit-metrics.js'
export { RulesDrift, MAX_DRIFT_ENTRIES } from './worker/rules-drift.js'
export type { RulesDriftEntry, RulesDriftStatus } from './worker/rules-drift.js'
export { buildAuditHttpApp } from './http/build-audit-http-app.js'
export type { AuditHttpAppOptions } from './http/build-audit-http-app.js'

// Re-checks and A/A noise.
export { RECHECK_STATES } from './verdict/verdict.js'
export type { RecheckInfo, RecheckState } from './verdict/verdict.js'
export { RecheckQueue, RECHECK_QUEUE_NAME } from './recheck/recheck-queue.js'
export { RecheckBudget } from './recheck/recheck-budget.js'
export type { BudgetLimits } from './recheck/recheck-budget.js'
export { RecheckMetrics } from './recheck/recheck-metrics.js'
export { replayRequest, unreplayableReason, SAFE_METHODS, RECHECK_HEADER, NOISE_HEADER } from './recheck/replay-request.js'
export { NoiseStore } from './noise/noise-store.js'
export type { NoiseEvidence, RuntimeIgnore, NoiseChange } from './noise/noise-store.js'
export { withoutNoise, isNoise, NOISE_ABSOLUTE_THRESHOLD, NOISE_RELATIVE_THRESHOLD } from './noise/noise-filter.js'
export type { RawRates } from './noise/noise-filter.js'
export { classifyValues, VALUE_CLASSES } from './noise/value-class.js'
export type { ValueClass } from './noise/value-class.js'
export { WriteReplayer, DEFAULT_REPLAY_LEASE_TTL_MS } from './replay/write-replayer.js'
export type { WriteReplayerOptions } from './replay/write-replayer.js'
export { REPLAY_COUNTERS } from './replay/replay-tally.js'
export type { ReplayCounter, ReplayPointSink, RouteLag } from './replay/replay-tally.js'
