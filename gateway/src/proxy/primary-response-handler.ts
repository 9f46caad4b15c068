import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { UpstreamErrorKind } from '@shadowgate/shared'
import { errors, type Dispatcher } from 'undici'
import { clientResponseHeaders } from './response-headers.js'
import type { PrimaryObserver } from './primary-observer.js'
import { upstreamErrorKind } from './upstream-error-kind.js'

/** What the handler reports back to its forwarder when the primary fails. */
export interface PrimaryFailureSink {
  primaryFailed(handler: PrimaryResponseHandler, err: Error, kind: UpstreamErrorKind, headersSent: boolean): void
  /** Milliseconds a client may take no bytes while the response waits for it (0: no limit). */
  readonly clientWriteTimeoutMs: number
  /** The client took no bytes for clientWriteTimeoutMs: it is about to be disconnected. */
  clientWriteTimedOut(handler: PrimaryResponseHandler): void
  /** The client response is closed (complete, failed or cut): the request is over. */
  responseClosed(handler: PrimaryResponseHandler): void
}

/**
 * Streams one primary response to the client, chunk by chunk, with backpressure both ways: when
 * the client socket is full the upstream read is paused until it drains. Nothing is buffered.
 * Implements undici's raw dispatch handler interface (onConnect, onHeaders, onData, onComplete,
 * onError), the lowest-overhead way to consume a response: given a controller-style handler, undici
 * wraps every request in an adapter and a controller and parses the response headers and trailers
 * into objects that a proxy relaying the raw list never reads.
 */
export class PrimaryResponseHandler implements Dispatcher.DispatchHandler {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly route: string
  readonly upstream: string
  readonly #observer: PrimaryObserver | undefined
  readonly #sink: PrimaryFailureSink
  #abort: ((err?: Error) => void) | null = null
  /** undici's resume of a read paused by a full client socket. */
  #resume: (() => void) | null = null
  #headersSent = false
  #settled = false
  #clientGone = false
  #onDrain: (() => void) | undefined
  #writeTimer: NodeJS.Timeout | undefined
  readonly #hasBody: boolean
  /** performance.now() when forwarding began. */
  readonly startedAt = performance.now()
  /** Response body bytes written to the client. */
  bytes = 0

  constructor(sink: PrimaryFailureSink, req: IncomingMessage, res: ServerResponse, route: string, upstream: string, observer: PrimaryObserver | undefined, body: Readable | Buffer | null) {
    this.#sink = sink
    this.req = req
    this.res = res
    this.route = route
    this.upstream = upstream
    this.#observer = observer
    // A body read whole leaves with the request head, as if there were none.
    const streamed = body !== null && !Buffer.isBuffer(body) ? body : null
    this.#hasBody = streamed !== null
    // 'end' means the reader - undici, writing each chunk to the primary as it reads it - took the
    // last byte; a body cut or abandoned is destroyed instead and never ends.
    if (streamed !== null && observer !== undefined) streamed.once('end', () => observer.onRequestSent())
    res.on('close', this.#onClientClose)
  }

  /** True once the client connection is gone before the response completed. */
  get clientGone(): boolean {
    return this.#clientGone || this.res.destroyed
  }

  readonly #onClientClose = (): void => {
    clearTimeout(this.#writeTimer)
    this.#sink.responseClosed(this)
    if (this.#settled) return
    // The client left: stop the upstream exchange instead of reading a body nobody will get.
    this.#clientGone = true
    this.#abort?.(new errors.RequestAbortedError('client closed the connection'))
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort
    if (this.clientGone) {
      abort(new errors.RequestAbortedError('client closed the connection'))
      return
    }
    // Called once connected, right before undici writes the request head: without a streamed body,
    // that write is the whole request. A streamed body is reported sent when undici has read all of it.
    if (!this.#hasBody) this.#observer?.onRequestSent()
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusMessage?: string): boolean {
    // 1xx interim responses (102, 103) are not forwarded; the final response follows.
    if (statusCode < 200 || this.#settled) return true
    this.#resume = resume
    // The raw list keeps the upstream's spelling, order and bytes.
    const list = clientResponseHeaders(rawHeaders)
    try {
      if (statusMessage) this.res.writeHead(statusCode, statusMessage, list)
      else this.res.writeHead(statusCode, list)
    } catch (err) {
      // Node refused a header or status text the upstream sent: that response cannot be relayed.
      for (const name of this.res.getHeaderNames()) this.res.removeHeader(name)
      this.#abort?.(err as Error)
      return true
    }
    this.#headersSent = true
    const observer = this.#observer
    if (observer !== undefined && observer.observesResponse !== false) observer.onResponseHead(statusCode, list)
    return true
  }

  /** Returns false to pause the upstream read until the client socket drains. */
  onData(chunk: Buffer): boolean {
    if (this.#settled) return true
    this.#observer?.onResponseData(chunk)
    this.bytes += chunk.length
    if (!this.res.write(chunk)) {
      if (this.#onDrain === undefined) {
        // Created on first need: most responses never fill the client socket.
        this.#onDrain = () => {
          clearTimeout(this.#writeTimer)
          this.#writeTimer = undefined
          this.#resume?.()
        }
        this.res.on('drain', this.#onDrain)
      }
      // A client that takes nothing would otherwise hold this exchange - its upstream connection
      // and whatever is captured of it - for as long as it likes: proxy.timeout only watches the upstream.
      const ms = this.#sink.clientWriteTimeoutMs
      if (ms > 0 && this.#writeTimer === undefined) this.#writeTimer = setTimeout(this.#onWriteTimeout, ms).unref()
      return false
    }
    return true
  }

  readonly #onWriteTimeout = (): void => {
    this.#writeTimer = undefined
    if (this.res.writableFinished || this.clientGone) return
    this.#sink.clientWriteTimedOut(this)
    // 'close' follows: the upstream exchange is aborted and an observer sees the response cut.
    this.res.destroy()
  }

  onComplete(): void {
    if (this.#settled) return
    this.#settled = true
    this.res.end()
    // A timer armed by a full send buffer keeps running: the rest must still drain in time.
  }

  onError(err: Error): void {
    if (this.#settled) return
    this.#settled = true
    const kind = this.clientGone ? 'aborted' : upstreamErrorKind(err)
    this.#observer?.onResponseError(kind, err.message)
    this.#sink.primaryFailed(this, err, kind, this.#headersSent || this.res.headersSent)
  }
}
