import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { AUDIT_DROP_REASONS, type AuditDropReason } from './audit-drop-reason.js'

/**
 * Exact, in-process account of the producer. Every pair offered through `accepts` ends in exactly
 * one of `notSampled`, `enqueued`, `dropped[reason]` or `unknownRedis`, and is meanwhile counted in
 * `buffered`, `inFlight` or `unknown`; so offered = notSampled + enqueued + Σ dropped + unknownRedis
 * + buffered + inFlight + unknown at every moment.
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
  /** Pairs whose batch write got no answer from Redis, waiting to learn whether Redis ran it. */
  readonly unknown: number
  /** Pairs whose enqueue outcome was never learned (the gateway closed first, or too many batches waited). */
  readonly unknownRedis: number
  /** Pairs that were unknown, then found enqueued or not (the latter also in dropped.redis). */
  readonly reconciled: { readonly enqueued: number; readonly dropped: number }
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
  unknown = 0
  unknownRedis = 0
  readonly reconciled = { enqueued: 0, dropped: 0 }
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

  /** Pairs whose outcome became unknown (+n) or known again (-n). */
  moveUnknown(n: number): void {
    this.unknown += n
    this.#metrics.auditUnknown(this.unknown)
  }

  /** Unknown pairs found enqueued (`true`) or not (`false`, counted dropped_redis). */
  countReconciled(added: boolean, n: number): void {
    if (n <= 0) return
    this.moveUnknown(-n)
    if (added) {
      this.reconciled.enqueued += n
      this.countEnqueued(n)
    } else {
      this.reconciled.dropped += n
      this.countDropped('redis', n)
    }
    this.#metrics.auditReconciled(added ? 'enqueued' : 'dropped_redis', n)
  }

  /** Unknown pairs given up on: whether Redis took them is never learned. */
  countUnknownForGood(n: number): void {
    if (n <= 0) return
    this.moveUnknown(-n)
    this.unknownRedis += n
    this.#metrics.audit('unknown_redis', n)
  }

  countDropped(reason: AuditDropReason, n = 1): void {
    if (n <= 0) return
    this.dropped[reason] += n
    this.#metrics.audit(`dropped_${reason}`, n)
  }
}
