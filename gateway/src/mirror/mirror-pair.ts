import type { IncomingHttpHeaders } from 'node:http'
import type { ServedSide, UpstreamErrorKind } from '@shadowgate/shared'

/** The client's request as the gateway received it (before shadow header rewrites). */
export interface MirroredRequest {
  /** Correlation id of the pair. */
  readonly id: string
  /** Route rule name. */
  readonly route: string
  readonly method: string
  /** Path and query exactly as received. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** The request body (complete: a request is only mirrored when its body fits maxBodyBytes). */
  readonly body: Buffer
  readonly clientIp: string
  /** Epoch milliseconds when the gateway received the request. */
  readonly receivedAt: number
}

/** A response as seen by the gateway; `body` holds at most the capture limit, `truncated` says more was sent. */
export interface ObservedResponse {
  readonly kind: 'response'
  readonly status: number
  /**
   * The header lines as sent to the client (for the shadow: as it would have been sent),
   * `[name, value, name, value, ...]` in the upstream's order and spelling, hop-by-hop headers
   * removed; a repeated header is one line per value. A flat list rather than a record: building a
   * record per response (lower-casing, gathering) is work the audit leaves to its worker.
   */
  readonly headers: readonly string[]
  readonly body: Buffer
  readonly truncated: boolean
  readonly latencyMs: number
}

/** An upstream that produced no (complete) response. */
export interface ObservedFailure {
  readonly kind: 'error'
  readonly error: UpstreamErrorKind
  readonly message: string
  readonly latencyMs: number
}

export type ObservedOutcome = ObservedResponse | ObservedFailure

/** One mirrored request with what the old side (`primary`) and the new side (`shadow`) answered. */
export interface MirrorPair {
  readonly request: MirroredRequest
  /** The old side's answer, whichever side served the client. */
  readonly primary: ObservedOutcome
  /** The new side's answer. */
  readonly shadow: ObservedOutcome
  /** Which side answered the client; absent means `old`. */
  readonly served?: ServedSide
}

/**
 * Where completed pairs go (the audit producer plugs in here). The mirror asks `accepts` once per
 * mirrored request, before forwarding, so bodies are only teed for pairs that will be audited; it
 * then calls `push` once both sides are complete. Both must be synchronous, cheap and must not
 * throw: they run on the request path.
 */
export interface PairSink {
  /** Largest body (primary and shadow) worth capturing for this sink. */
  readonly maxBodyBytes: number
  accepts(route: string, requestId: string): boolean
  push(pair: MirrorPair): void
  /**
   * The copy of a request `accepts` said yes to was not sent after all (counted as not mirrored:
   * circuit open or in-flight cap at send time, a body that grew too large or never completed), so
   * no pair will be pushed for it. Lets the sink keep exact accounts.
   */
  withdraw?(route: string, requestId: string): void
  /**
   * The copy of a request `accepts` said yes to was sent, but its pair will never be pushed: the
   * captures in progress already hold `audit.maxCaptureBytesTotal`. The sink counts it dropped.
   */
  drop?(route: string, requestId: string, reason: 'capture_budget'): void
}
