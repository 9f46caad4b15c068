import type { UpstreamErrorKind } from '@shadowgate/shared'

/**
 * Watches the primary response of one request as it streams to the client (the mirror uses it to
 * capture the primary side of an audit pair). Calls are synchronous and must be cheap: they run
 * between receiving a chunk from the upstream and writing it to the client. Completion is not
 * reported here; observers watch the client response's `finish` / `close`.
 */
export interface PrimaryObserver {
  /** Status and headers as sent to the client (hop-by-hop removed, lower-cased names). */
  onResponseHead(statusCode: number, headers: Readonly<Record<string, string | string[]>>): void
  onResponseData(chunk: Buffer): void
  /** The primary produced no complete response (502/504 sent, or the client connection destroyed). */
  onResponseError(kind: UpstreamErrorKind, message: string): void
}
