import type { FastifyBaseLogger } from 'fastify'
import type { Dispatcher } from 'undici'
import type { ServedSide } from '@shadowgate/shared'
import type { TrafficRecorder } from './capture/traffic-recorder.js'
import type { RequestGate } from './cutover/request-hold.js'
import type { GatewayMetrics } from './metrics/gateway-metrics.js'
import type { CopyObserver } from './mirror/load-window.js'
import type { PairSink } from './mirror/mirror-pair.js'
import type { WriteHook } from './proxy/write-hook.js'
import type { RouteSettingsSource } from './runtime/route-settings-source.js'

/** Options of buildGateway(config, options). Everything is optional; tests and the server pass what they own. */
export interface BuildGatewayOptions {
  /** A pino logger; default: no logging (libraries stay quiet unless the host asks). */
  readonly logger?: FastifyBaseLogger
  /** Runtime route settings (percent, primary, shadow); default: the static values of the config. */
  readonly settings?: RouteSettingsSource
  /** Metrics to count into; default: a new GatewayMetrics with its own registry. */
  readonly metrics?: GatewayMetrics
  /** Receives completed pairs (the audit producer); default: none, bodies are not captured. */
  readonly pairSink?: PairSink
  /** Dispatcher for primary traffic. Injected dispatchers are never closed by the gateway. */
  readonly primaryDispatcher?: Dispatcher
  /** Dispatcher for shadow copies (kept apart from the primary pools). Injected ones are never closed. */
  readonly shadowDispatcher?: Dispatcher
  /** Told about every copy's end and every isolation refusal (the load ramp's brakes); default: none. */
  readonly copyObserver?: CopyObserver
  /** Wraps logged writes (the write log's recorder); default: none, writes are only forwarded. */
  readonly writeHook?: WriteHook
  /** Identifies this gateway instance in logs and series; default: `${hostname}-${pid}`. */
  readonly instanceId?: string
  /**
   * Watches every forwarded request (request metrics, access audit, slow requests, access log);
   * default: a new one counting into `metrics`, logging to `logger`, keeping slow requests nowhere.
   */
  readonly traffic?: TrafficRecorder
  /** Holds the requests of routes being cut over (see cutover/); default: none. */
  readonly requestGate?: RequestGate
  /** Counts each read served on a gated route, per side, for the gate (capture/gate-served-figures.ts); default: none. */
  readonly gateFigures?: { record(route: string, side: ServedSide, status: number, ms: number): void }
}
