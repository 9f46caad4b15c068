import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { AUDIT_DROP_REASONS, type AuditDropReason } from './audit-drop-reason.js'

/**
 * Exact, in-process account of the producer. Every pair offered through `accepts` ends in exactly
 * one of `notSampled`, `enqueued` or `dropped[reason]`, and is meanwhile counted in `buffered` or
 * `inFlight`; so offered = notSampled + enqueued + Σ dropped + buffered + inFlight at every moment.
 */
export interface AuditProducerStats {
  /** Calls to accepts() minus withdrawals: mirrored requests the producer was asked about. */
  readonly offered: number
  readonly notSampled: number
  /** Calls to push(): completed pairs handed over. */
  readonly pushed: number
  readonly enqueued: number
  readonly dropped: Readonly<Record<AuditDropReason, number>>
  /** Pairs waiting in the in-process buffer, and the body bytes they hold. */
  readonly buffered: number
  readonly bufferedBytes: number
  /** Pairs in the batch being written to Redis. */
  readonly inFlight: number
  /** Batch jobs written (successful or not). */
  readonly batches: number
  /** Queue depth at the last successful check; undefined before the first. */
  readonly queueDepth: number | undefined
  readonly redisConnected: boolean
}

/** Counts into plain numbers (for stats()) and into the gateway's shadowgate_audit_pairs_total at once. */
export class AuditCounters {
  readonly #metrics: GatewayMetrics
  offered = 0
  notSampled = 0
  pushed = 0
  enqueued = 0
  batches = 0
  readonly dropped = Object.fromEntries(AUDIT_DROP_REASONS.map((r) => [r, 0])) as Record<AuditDropReason, number>

  constructor(metrics: GatewayMetrics) {
    this.#metrics = metrics
  }

  countNotSampled(): void {
    this.notSampled++
    this.#metrics.audit('not_sampled')
  }

  countEnqueued(n: number): void {
    if (n <= 0) return
    this.enqueued += n
    this.#metrics.audit('enqueued', n)
  }

  countDropped(reason: AuditDropReason, n = 1): void {
    if (n <= 0) return
    this.dropped[reason] += n
    this.#metrics.audit(`dropped_${reason}`, n)
  }
}
