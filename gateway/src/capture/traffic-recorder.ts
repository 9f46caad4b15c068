import type { IncomingMessage } from 'node:http'
import { queryRedactionNames, type ShadowgateConfig } from '@shadowgate/shared'
import { AccessCounts, type AccessCount } from '../metrics/access-counts.js'
import { CallerResolver } from '../metrics/caller-resolver.js'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { CopyHandle, TrafficObserver } from '../metrics/traffic-observer.js'
import { redactedTarget } from './query-redaction.js'
import { SlowRequests, type SlowLogger, type SlowRequestSink, type SlowSide } from './slow-requests.js'

export interface TrafficLogger extends SlowLogger {
  info(obj: object, msg: string): void
}

export interface TrafficRecorderOptions {
  readonly metrics: GatewayMetrics
  readonly log: TrafficLogger
  /** The `instance` of slow entries. */
  readonly instance: string
  /** Where slow requests are kept (Redis); default: only logged and counted. */
  readonly slowSink?: SlowRequestSink
  /** Clock in epoch ms; tests pass their own. */
  readonly now?: () => number
  /** Draws the access log sample, in [0, 1); tests pass their own. */
  readonly random?: () => number
}

/** One window of what the recorder counted, for the `shadowgate_access` and `shadowgate_slow` points. */
export interface TrafficWindow {
  readonly access: readonly AccessCount[]
  readonly slow: readonly { route: string; side: SlowSide; count: number }[]
}

/**
 * What the gateway sees of every request it forwards, mirrored or not: the request metrics
 * (`shadowgate_request_duration_seconds`, `shadowgate_responses_total`), the access audit (caller ×
 * route × method × status class per window), slow requests, and the access log when it is on.
 */
export class TrafficRecorder implements TrafficObserver {
  readonly #metrics: GatewayMetrics
  readonly #log: TrafficLogger
  readonly #callers: CallerResolver
  readonly #access: AccessCounts
  readonly #slow: SlowRequests
  readonly #accessLog: boolean
  readonly #sample: number
  readonly #random: () => number
  readonly #redact: ReadonlySet<string>
  readonly #mirrored = new WeakSet<IncomingMessage>()

  constructor(config: ShadowgateConfig, opts: TrafficRecorderOptions) {
    this.#metrics = opts.metrics
    this.#log = opts.log
    this.#callers = new CallerResolver(config)
    this.#access = new AccessCounts(config.access.maxCallersPerRoute)
    this.#slow = new SlowRequests(config, { instance: opts.instance, log: opts.log, sink: opts.slowSink, now: opts.now })
    this.#accessLog = config.accessLog.enabled && config.accessLog.sample > 0
    this.#sample = config.accessLog.sample
    this.#random = opts.random ?? Math.random
    this.#redact = queryRedactionNames(config.audit.redactQuery)
  }

  requestDone(route: string, req: IncomingMessage, status: number, latencyMs: number, bytes: number): void {
    const caller = this.#callers.callerOf(req.headers)
    const method = req.method ?? 'GET'
    this.#access.record(route, caller, method, status)
    this.#metrics.requestDone(route, latencyMs / 1_000, status)
    this.#slow.primaryDone(req, route, caller, latencyMs, status)
    if (this.#accessLog && (this.#sample >= 1 || this.#random() < this.#sample)) this.#logRequest(route, req, caller, status, latencyMs, bytes)
  }

  copySent(req: IncomingMessage, route: string): CopyHandle {
    if (this.#accessLog) this.#mirrored.add(req)
    return this.#slow.copySent(req, route)
  }

  /** The counts since the previous window; the next window starts empty. */
  drainWindow(): TrafficWindow {
    return { access: this.#access.drain(), slow: this.#slow.drainCounts() }
  }

  #logRequest(route: string, req: IncomingMessage, caller: string, status: number, latencyMs: number, bytes: number): void {
    this.#log.info(
      { route, method: req.method, path: redactedTarget(req.url ?? '/', this.#redact), caller, status, latencyMs: Math.round(latencyMs * 10) / 10, bytes, mirrored: this.#mirrored.has(req) },
      'request',
    )
  }
}
