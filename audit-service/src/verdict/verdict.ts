import type { FieldDifference } from '../diff/field-difference.js'

// A verdict's differences are the diff engine's; callers that speak of verdicts find them here too.
export { DIFF_KINDS } from '../diff/field-difference.js'
export type { DiffKind, FieldDifference } from '../diff/field-difference.js'

/**
 * The outcome taxonomy: every audited pair gets exactly one outcome and a sub-reason. These values
 * are InfluxDB tag values and dashboard filters, so the lists are a contract (documented in the README).
 */
export const OUTCOMES = ['match', 'mismatch', 'shadow_error', 'shadow_timeout', 'primary_error', 'skipped'] as const
export type Outcome = (typeof OUTCOMES)[number]

/**
 * A pair is judged when the two answers were actually compared (`match` or `mismatch`). Rates of
 * findings are taken over judged pairs only; the other outcomes are unjudged and get their own rate.
 */
export function isJudged(outcome: Outcome): boolean {
  return outcome === 'match' || outcome === 'mismatch'
}

export interface Verdict {
  readonly outcome: Outcome
  /** Sub-reason, e.g. `body`, `status`, `headers`, `timeout`, `refused`, `truncated`, `too_deep`; every one is listed in OUTCOME_REASONS. */
  readonly reason: string
  /** Differences, at most a bounded number of them (see differenceCount for the total). */
  readonly differences: readonly FieldDifference[]
  readonly differenceCount: number
  /** Mismatch group id: hash of route + sorted (path, kind) set + status pair. Undefined unless outcome is mismatch. */
  readonly fingerprint: string | undefined
  /** 0 when that side produced no response. */
  readonly primaryStatus: number
  readonly shadowStatus: number
  readonly primaryMs: number
  readonly shadowMs: number
  /** How the bodies were compared; absent when no body comparison was attempted (an error side). */
  readonly bodyComparison?: BodyComparison
  /**
   * Observations that did not decide the outcome, from a fixed vocabulary (never free text), e.g.
   * `primary_duplicate_keys`, `shadow_unknown_charset`, `shadow_invalid_json`, `body_truncated`.
   */
  readonly notes?: readonly string[]
  /** Human-readable explanation of a skip or fallback, for logs and samples; never a tag. */
  readonly detail?: string
  /** What re-checking a suspect mismatch found (absent when the pair was not a re-check suspect). */
  readonly recheck?: RecheckInfo
  /** Collapsed paths whose differences were left out as the route's noise (A/A evidence). */
  readonly noisePaths?: readonly string[]
}

/**
 * Re-check states: `resolved` (a re-check matched: the moving target), `persistent` (every re-check
 * differed the same way), `indeterminate` (a re-check differed otherwise or failed), `unverified`
 * (not re-checked: over budget, or the request cannot be sent again).
 */
export const RECHECK_STATES = ['resolved', 'persistent', 'indeterminate', 'unverified'] as const
export type RecheckState = (typeof RECHECK_STATES)[number]

export interface RecheckInfo {
  readonly state: RecheckState
  /** Delay after capture of the re-check that decided (0 when not re-checked). */
  readonly delayMs: number
  /** Why a suspect was not re-checked or was found indeterminate: `budget`, `method`, `redacted_query`, ... */
  readonly why?: string
}

/**
 * How the bodies of a pair were compared. `invalid_json`: a side that should have been JSON did not
 * parse (NaN, Infinity, cut-off text), so both were compared as text; `ignored`: an ignore rule covers `$`;
 * `not_compared`: the body was not judged (an error side, or a skip reason while status/headers already differ).
 */
export const BODY_COMPARISONS = ['json', 'text', 'invalid_json', 'binary', 'empty', 'ignored', 'not_compared'] as const
export type BodyComparison = (typeof BODY_COMPARISONS)[number]

