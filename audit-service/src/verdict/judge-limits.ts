import type { AuditWorkerConfig } from '@shadowgate/shared'

/** Differences stored per verdict by default; differenceCount stays exact beyond it. */
export const DEFAULT_MAX_DIFFERENCES = 1_000
/** Nodes one comparison may visit by default (a 16 MiB JSON body has roughly 1-2 million). */
export const DEFAULT_MAX_DIFF_NODES = 4_000_000

/**
 * Bounds of one judgement. The first three come from the worker config (`worker.maxDecodedBytes`,
 * `worker.maxJsonDepth`, `worker.diffTimeout`), so AuditWorkerConfig can be passed as is.
 */
export interface JudgeLimits {
  /** Largest body, per side, after transport and content decoding. */
  readonly maxDecodedBytes: number
  /** Deepest JSON nesting parsed; deeper is skipped/too_deep. */
  readonly maxJsonDepth: number
  /** Wall-time budget of the body comparison; exceeded is skipped/diff_budget. */
  readonly diffTimeoutMs: number
  /** Differences stored in the verdict (default DEFAULT_MAX_DIFFERENCES). */
  readonly maxDifferences?: number
  /** Nodes the comparison may visit (default DEFAULT_MAX_DIFF_NODES); exceeded is skipped/diff_budget. */
  readonly maxDiffNodes?: number
}

/** The judge limits of a worker config. */
export function judgeLimitsFrom(worker: Pick<AuditWorkerConfig, 'maxDecodedBytes' | 'maxJsonDepth' | 'diffTimeoutMs'>): JudgeLimits {
  return { maxDecodedBytes: worker.maxDecodedBytes, maxJsonDepth: worker.maxJsonDepth, diffTimeoutMs: worker.diffTimeoutMs }
}
