import type { UpstreamErrorKind } from '@shadowgate/shared'

/**
 * Watches one request's way to the primary and the primary response as it streams to the client
 * (the mirror uses it to hold a copy until the primary has the request, and to capture the primary
 * side of an audit pair). Calls are synchronous and must be cheap: they run
 * between receiving a chunk from the upstream and writing it to the client. Completion is not
 * reported here; observers watch the client response's `finish` / `close`.
 */
export interface PrimaryObserver {
  /**
   * The primary has been sent the whole request: headers, and the complete body when there is one.
   * Never called for a request that did not reach the primary (client gone first, primary unreachable).
   */
  onRequestSent(): void
  /**
   * False while the observer ignores the response (head and data): the proxy then skips building
   * what it would be handed. Read at the response head; absent means true.
   */
  readonly observesResponse?: boolean
  /**
   * Status and header lines as sent to the client: `[name, value, name, value, ...]` in the
   * upstream's order and spelling, hop-by-hop headers removed (see ObservedResponse.headers).
   */
  onResponseHead(statusCode: number, headers: readonly string[]): void
  onResponseData(chunk: Buffer): void
  /** The primary produced no complete response (502/504 sent, or the client connection destroyed). */
  onResponseError(kind: UpstreamErrorKind, message: string): void
}
