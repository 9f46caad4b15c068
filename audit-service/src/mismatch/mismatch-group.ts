import type { DiffKind, FieldDifference, RecheckInfo } from '../verdict/verdict.js'

/** One side of a sample: the response (headers redacted) or why there was none. */
export type SampleSide =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Readonly<Record<string, string | readonly string[]>>; readonly latencyMs: number }
  | { readonly kind: 'error'; readonly error: string; readonly message: string; readonly latencyMs: number }

/**
 * One mismatching pair kept for people to look at. Never holds a secret in clear: credential
 * headers, configured headers and configured body paths read "[redacted]". It keeps the differing
 * values, not whole bodies, and long values are cut (see buildMismatchSample).
 */
export interface MismatchSample {
  readonly jobId: string
  readonly instance: string
  /**
   * Which side answered the client; `primary` is the old side and `shadow` the new one either way.
   * Absent in samples recorded before stages existed: those were served by the old side.
   */
  readonly served?: 'old' | 'new'
  /** Capture time, ISO 8601. */
  readonly capturedAt: string
  readonly capturedAtNs: string
  readonly method: string
  readonly path: string
  readonly query: string
  readonly caller: string
  readonly requestHeaders: Readonly<Record<string, string | readonly string[]>>
  readonly primary: SampleSide
  readonly shadow: SampleSide
  readonly differences: readonly FieldDifference[]
  /** Total differences of the pair (the list above may be shorter). */
  readonly differenceCount: number
  /** What re-checking the pair found (persistent, indeterminate, unverified); absent when it was not re-checked. */
  readonly recheck?: RecheckInfo
  /** Paths left out of the differences as the route's noise. */
  readonly noisePaths?: readonly string[]
}

export interface PathKind {
  readonly path: string
  readonly kind: DiffKind
}

/** A mismatch group: every pair with the same fingerprint (route + set of (path, kind) + status pair). */
export interface MismatchGroup {
  readonly fingerprint: string
  readonly route: string
  readonly reason: string
  readonly primaryStatus: number
  readonly shadowStatus: number
  /** The (path, kind) set of the fingerprint, sorted. */
  readonly paths: readonly PathKind[]
  /** Distinct audited pairs in the group (a re-run job is counted once). */
  readonly count: number
  /** Capture time of the earliest and latest pair, ISO 8601. */
  readonly firstSeen: string
  readonly lastSeen: string
  /** The latest samples, newest first (at most worker.samplesPerGroup). */
  readonly samples: readonly MismatchSample[]
  /** auditRulesFingerprint of the route's rules the group was found under; absent for groups written before it was kept. */
  readonly rules?: string
  /**
   * The route's audit rules changed since the group was last hit (its `rules` differ from the
   * reader's): the finding may be noise declared since. A new hit starts the group afresh.
   */
  readonly stale: boolean
}
