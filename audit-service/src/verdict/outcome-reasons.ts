import { UPSTREAM_ERROR_KINDS } from '@shadowgate/shared'
import type { Outcome } from './verdict.js'

/**
 * Sub-reasons of `match`: how the bodies were found equal (the body comparison that was made), or
 * `resolved` (a re-check of a suspect matched) or `noise` (every difference is the route's A/A noise).
 */
export const MATCH_REASONS = ['json', 'text', 'invalid_json', 'binary', 'empty', 'ignored', 'resolved', 'noise'] as const

/** Sub-reasons of `mismatch`: the first of status, headers, body that differs. */
export const MISMATCH_REASONS = ['status', 'headers', 'body'] as const

/**
 * Sub-reasons of `skipped`: the pair could not be judged. `invalid_job` is for a job that fails
 * parseAuditJob, `unsupported_version` for a batch envelope of a version this worker does not read,
 * `batch_missing` for a pair of a binary batch whose bytes were gone (none of the three produced by
 * judgePair itself, which receives parsed jobs); `judge_error` is an unexpected failure inside the
 * judge, reported instead of crashing the worker.
 */
export const SKIP_REASONS = [
  'truncated',
  'decompressed_too_large',
  'body_too_large',
  'bad_transport',
  'bad_encoding',
  'unsupported_encoding',
  'too_deep',
  'diff_budget',
  'invalid_job',
  'unsupported_version',
  'batch_missing',
  'judge_error',
] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

/** Every outcome with every sub-reason it can carry: the documented taxonomy, also a test oracle. */
export const OUTCOME_REASONS: Readonly<Record<Outcome, readonly string[]>> = {
  match: MATCH_REASONS,
  mismatch: MISMATCH_REASONS,
  // A shadow timeout has its own outcome, so shadow_error never carries `timeout`.
  shadow_error: UPSTREAM_ERROR_KINDS.filter((k) => k !== 'timeout'),
  shadow_timeout: ['timeout'],
  primary_error: UPSTREAM_ERROR_KINDS,
  skipped: SKIP_REASONS,
}
