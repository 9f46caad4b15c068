import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { UpstreamErrorKind } from '@shadowgate/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { Dispatcher } from 'undici'
import { InvalidRequestTargetError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { TrafficObserver } from '../metrics/traffic-observer.js'
import { PrimaryResponseHandler, type PrimaryFailureSink } from './primary-response-handler.js'
import type { PrimaryObserver } from './primary-observer.js'
import { upstreamPath } from './request-target.js'
import { sendGatewayError } from './send-gateway-error.js'
import { TrustedProxies } from './trusted-proxies.js'
import { upstreamRequestHeaders } from './upstream-request-headers.js'
import { UpstreamTargets } from './upstream-target.js'

export interface PrimaryForwarderOptions {
  /** Carries primary traffic (keep-alive pools per upstream origin). */
  readonly dispatcher: Dispatcher
  /** Time allowed for the upstream's response headers, and for each pause between body chunks. */
  readonly timeoutMs: number
  readonly hostHeader: 'preserve' | 'upstream'
  /** Milliseconds a client may take no response bytes before it is disconnected (0: no limit). Default 0. */
  readonly clientWriteTimeoutMs?: number
  /** Peers whose forwarding headers are kept. Default: none. */
  readonly trustedProxies?: TrustedProxies
  readonly metrics: GatewayMetrics
  readonly log: FastifyBaseLogger
  /** Told of every completed request (access audit, slow log, request metrics). Default: none. */
  readonly traffic?: TrafficObserver
}

/**
 * Forwards one client request to its primary upstream and streams the answer back: the unit the
 * gateway benchmark compares with other proxies. Failures before the response started become a
 * 502/504 with a JSON body; failures after it started destroy the client connection, so a cut
 * body is never mistaken for a complete one.
 */
export class PrimaryForwarder implements PrimaryFailureSink {
  readonly clientWriteTimeoutMs: number
  readonly #dispatcher: Dispatcher
  readonly #timeoutMs: number
  readonly #preserveHost: boolean
  readonly #trusted: TrustedProxies
  readonly #metrics: GatewayMetrics
  readonly #log: FastifyBaseLogger
  readonly #traffic: TrafficObserver | undefined
  readonly #targets = new UpstreamTargets()

  constructor(options: PrimaryForwarderOptions) {
    this.#dispatcher = options.dispatcher
    this.#timeoutMs = options.timeoutMs
    this.#preserveHost = options.hostHeader === 'preserve'
    this.#trusted = options.trustedProxies ?? TrustedProxies.NONE
    this.clientWriteTimeoutMs = options.clientWriteTimeoutMs ?? 0
    this.#metrics = options.metrics
    this.#log = options.log
    this.#traffic = options.traffic
  }

  /**
   * @param body the request body to send (the request itself, a stream wrapping it, or the whole
   *   body already read), or null when the request has none.
   * @param route route label, for metrics and logs.
   * @param upstream base URL of the primary upstream.
   */
  forward(req: IncomingMessage, res: ServerResponse, body: Readable | Buffer | null, route: string, upstream: string, observer?: PrimaryObserver): void {
    const target = this.#targets.get(upstream)
    const url = req.url ?? '/'
    const path = upstreamPath(target, url)
    if (path === undefined) {
      observer?.onResponseError('other', 'request target cannot be forwarded')
      sendGatewayError(res, new InvalidRequestTargetError(url))
      return
    }
    // The upstream's Date header is relayed as is; Node must not add its own.
    res.sendDate = false
    const handler = new PrimaryResponseHandler(this, req, res, route, upstream, observer, body)
    try {
      this.#dispatcher.dispatch(
        {
          origin: target.origin,
          path,
          method: req.method as Dispatcher.HttpMethod,
          headers: upstreamRequestHeaders(req, this.#preserveHost, this.#trusted),
          body,
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
        },
        handler,
      )
    } catch (err) {
      handler.onError(err as Error)
    }
  }

  clientWriteTimedOut(handler: PrimaryResponseHandler): void {
    this.#metrics.clientWriteTimeout(handler.route)
    this.#log.warn({ route: handler.route, url: handler.req.url, timeoutMs: this.clientWriteTimeoutMs }, 'client took no response bytes within proxy.clientWriteTimeout; connection closed')
  }

  responseClosed(handler: PrimaryResponseHandler): void {
    const traffic = this.#traffic
    if (traffic === undefined) return
    const { res } = handler
    // A client gone before any status was sent is logged as nginx does: 499.
    const status = res.headersSent ? res.statusCode : 499
    try {
      traffic.requestDone(handler.route, handler.req, status, performance.now() - handler.startedAt, handler.bytes)
    } catch (err) {
      this.#metrics.faults.handlerError('traffic_observer')
      this.#log.error({ err, route: handler.route }, 'the traffic observer failed on a completed request')
    }
  }

  primaryFailed(handler: PrimaryResponseHandler, err: Error, kind: UpstreamErrorKind, headersSent: boolean): void {
    const { res, route, upstream } = handler
    if (handler.clientGone) {
      res.destroy()
      return
    }
    this.#metrics.primaryError(route, kind)
    this.#log.warn({ route, upstream, kind, err, midBody: headersSent }, headersSent ? 'primary upstream failed mid-response; client connection destroyed' : 'primary upstream failed')
    if (headersSent) {
      res.destroy(err)
      return
    }
    const error =
      kind === 'timeout'
        ? new UpstreamTimeoutError(`primary upstream ${upstream} did not answer in time (${err.message})`, { cause: err })
        : new UpstreamUnavailableError(`primary upstream ${upstream} is unavailable (${kind}: ${err.message})`, { cause: err })
    sendGatewayError(res, error)
  }
}
