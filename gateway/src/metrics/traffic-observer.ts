import type { IncomingMessage } from 'node:http'

/** The shadow's side of a mirrored request: a status, or none when the copy failed. */
export interface ShadowOutcome {
  readonly latencyMs: number
  readonly status: number | undefined
}

/** Handle of a copy in flight, given back with the shadow's outcome. */
export interface CopyHandle {
  shadowDone(outcome: ShadowOutcome): void
}

/**
 * Watches every request the gateway forwards (the access audit, the slow log, the access log and
 * the request metrics). Every call runs on the request path: implementations count, never wait
 * and never throw.
 */
export interface TrafficObserver {
  /**
   * The response to the client is complete (or cut). Positional, so the hot path builds no object.
   * @param status sent to the client; 499 when the client left before any was sent (as nginx logs it).
   * @param bytes response body bytes relayed to the client.
   */
  requestDone(route: string, req: IncomingMessage, status: number, latencyMs: number, bytes: number): void
  /** A copy of `req` left for the shadow; its outcome is reported through the handle. */
  copySent(req: IncomingMessage, route: string): CopyHandle
}
