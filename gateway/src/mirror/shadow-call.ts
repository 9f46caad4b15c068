import type { UpstreamErrorKind } from '@shadowgate/shared'
import { errors, type Dispatcher } from 'undici'
import { clientResponseHeaders } from '../proxy/response-headers.js'
import { upstreamErrorKind } from '../proxy/upstream-error-kind.js'
import { BodyCapture } from './body-capture.js'
import type { DeadlineQueue, Expiring } from '../deadline-queue.js'
import type { ObservedOutcome } from './mirror-pair.js'

/** One copy of a client request, ready to send to a shadow. */
export interface ShadowCopy {
  readonly origin: string
  readonly path: string
  readonly method: string
  readonly headers: string[]
  readonly body: Buffer | null
}

export interface ShadowCallOptions {
  /** Deadline for the whole exchange (connecting, headers and body), shared by all copies. */
  readonly deadlines: DeadlineQueue
  /** The response is read up to this many bytes; beyond, reading stops and the call counts as truncated. */
  readonly maxResponseBytes: number
  /** Capture headers and up to this many body bytes for an audit pair; undefined captures nothing. */
  readonly captureBytes: number | undefined
  /** Asked before keeping each captured part (the capture budget); false stops capturing for good. */
  readonly captureTake?: (bytes: number) => boolean
  readonly onDone: (call: ShadowCall, outcome: ObservedOutcome) => void
}

const EMPTY = Buffer.alloc(0)
const NO_HEADERS: readonly string[] = Object.freeze([])

/**
 * Sends one copy to a shadow and reads (and discards) its answer, bounded in time and size.
 * Reports exactly one outcome through onDone, whatever happens: a response, a failure, the
 * deadline, or abort() at shutdown.
 *
 * It implements undici's raw handler interface (onConnect, onHeaders, onData, onComplete, onError)
 * rather than the controller one: given a controller-style handler, undici wraps every request in
 * an adapter and a controller and parses the response headers and trailers into objects, work a
 * copy whose answer is thrown away (and whose headers are read raw when captured) does not need.
 */
export class ShadowCall implements Dispatcher.DispatchHandler, Expiring {
  readonly #opts: ShadowCallOptions
  readonly #startedAt = performance.now()
  #abort: ((err?: Error) => void) | null = null
  #settled = false
  #status = 0
  #headers: readonly string[] = NO_HEADERS
  #capture: BodyCapture | undefined
  #read = 0

  constructor(options: ShadowCallOptions) {
    this.#opts = options
  }

  /** True once the call reported its outcome. */
  get settled(): boolean {
    return this.#settled
  }

  start(dispatcher: Dispatcher, copy: ShadowCopy): void {
    const timeoutMs = this.#opts.deadlines.timeoutMs
    this.#opts.deadlines.add(this)
    try {
      dispatcher.dispatch(
        {
          origin: copy.origin,
          path: copy.path,
          method: copy.method as Dispatcher.HttpMethod,
          headers: copy.headers,
          body: copy.body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        this,
      )
    } catch (err) {
      this.#fail(upstreamErrorKind(err), (err as Error).message)
    }
  }

  /** Gives up on the call (shutdown). Reports `aborted` unless it already ended. */
  abort(): void {
    this.#fail('aborted', 'gateway closed before the shadow answered')
  }

  /** The deadline passed (called by the deadlines' timer). Reports `timeout` unless it already ended. */
  expire(): void {
    this.#fail('timeout', `shadow did not answer completely within ${this.#opts.deadlines.timeoutMs} ms`)
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort
    if (this.#settled) abort(new errors.RequestAbortedError('shadow call already ended'))
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200 || this.#settled) return true
    this.#status = statusCode
    if (this.#opts.captureBytes !== undefined) {
      if (Array.isArray(rawHeaders)) this.#headers = clientResponseHeaders(rawHeaders)
      this.#capture = new BodyCapture(Math.min(this.#opts.captureBytes, this.#opts.maxResponseBytes))
    }
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.#settled) return true
    this.#read += chunk.length
    const capture = this.#capture
    if (capture !== undefined) {
      const kept = Math.min(chunk.length, capture.room)
      if (kept > 0 && this.#opts.captureTake?.(kept) === false) this.#capture = undefined
      else capture.add(chunk)
    }
    if (this.#read > this.#opts.maxResponseBytes) {
      // Enough read: the rest is not worth a socket. The response counts, marked truncated.
      this.#succeed(true)
      this.#abort?.(new errors.RequestAbortedError('shadow response exceeded mirror.maxResponseBytes'))
    }
    return true
  }

  onComplete(): void {
    this.#succeed(false)
  }

  onError(err: Error): void {
    this.#fail(upstreamErrorKind(err), err.message)
  }

  #succeed(cut: boolean): void {
    if (this.#settled) return
    this.#settled = true
    const capture = this.#capture
    this.#opts.onDone(this, {
      kind: 'response',
      status: this.#status,
      headers: this.#headers,
      body: capture ? capture.toBuffer() : EMPTY,
      truncated: cut || (capture ? capture.truncated : false),
      latencyMs: performance.now() - this.#startedAt,
    })
  }

  #fail(error: UpstreamErrorKind, message: string): void {
    if (this.#settled) return
    this.#settled = true
    this.#abort?.(new errors.RequestAbortedError(message))
    this.#capture = undefined
    this.#opts.onDone(this, { kind: 'error', error, message, latencyMs: performance.now() - this.#startedAt })
  }
}
