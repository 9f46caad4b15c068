import type { MigrationStage } from '../migration-stage.js'
import type { PathPattern } from '../path-grammar.js'

/** Where a sticky key comes from: `header:x-user-id`, `cookie:sid` or `query:tenant`. */
export interface StickyKey {
  readonly source: 'header' | 'cookie' | 'query'
  readonly name: string
}

export interface HeaderRewrites {
  /** Headers set (or overwritten) on the copy sent to the shadow. */
  readonly set: Readonly<Record<string, string>>
  /** Headers removed from the copy sent to the shadow. */
  readonly remove: readonly string[]
}

export interface RouteMirrorConfig {
  readonly percent: number
  readonly sticky: StickyKey | undefined
  readonly methods: readonly string[]
  readonly maxBodyBytes: number
  readonly headers: HeaderRewrites
}

/** What the new side serves while a route is in `canary` (the starting value; at run time it is runtime state). */
export interface RouteServeConfig {
  /** Percent of reads (0-100, fractional allowed) served by the new side in `canary`. */
  readonly percent: number
}

export type ArrayMode = { readonly mode: 'ordered' } | { readonly mode: 'unordered' } | { readonly mode: 'keyed'; readonly key: string }

export interface ArrayRule {
  readonly path: PathPattern
  readonly mode: ArrayMode
}

export interface ToleranceRule {
  readonly path: PathPattern
  readonly absolute: number | undefined
  readonly relative: number | undefined
}

export interface RouteAuditConfig {
  readonly percent: number
  readonly ignore: readonly PathPattern[]
  readonly ignoreHeaders: readonly string[]
  readonly compareHeaders: readonly string[]
  readonly arrays: readonly ArrayRule[]
  readonly tolerance: readonly ToleranceRule[]
}

export interface RouteConfig {
  readonly name: string
  readonly match: string
  /** Methods this rule matches; undefined means every method. */
  readonly methods: readonly string[] | undefined
  /**
   * The old side of the route's migration (config key `old`, or its alias `primary`). Which side
   * serves a request follows from the stage, which is runtime state.
   */
  readonly primary: string
  /** The new side (config key `new`, or its alias `shadow`). */
  readonly shadow: string | undefined
  /** Stage at start when the runtime store holds none for the route. */
  readonly stage: MigrationStage
  readonly serve: RouteServeConfig
  readonly mirror: RouteMirrorConfig
  readonly audit: RouteAuditConfig
  /** The route's gate (routes[].gate): absent, no gate watches the route. */
  readonly gate?: RouteGateConfig | undefined
}

/** The gate: judges the canary window by window and steps, rolls back or promotes (see validate-gate-config.ts). */
export interface RouteGateConfig {
  /** false: the gate only reports what it would do. */
  readonly auto: boolean
  readonly autoPromote: boolean
  readonly intervalMs: number
  readonly minComparisons: number
  /** Fractions (0-1). */
  readonly maxMismatchRate: number
  readonly max5xxRate: number
  readonly max5xxFactor: number
  readonly abort5xxRate: number
  readonly maxLatencyFactor: number
  readonly latencySlackMs: number
  readonly failureLimit: number
  readonly inconclusiveLimit: number
  /** Serve percents, strictly increasing. */
  readonly steps: readonly number[]
  readonly stepMinDurationMs: number
  readonly stepMinComparisons: number
  readonly webhook: string | undefined
  readonly webhookTimeoutMs: number
}

export interface CircuitBreakerConfig {
  readonly consecutiveFailures: number
  readonly openMs: number
}

export interface MirrorDefaults {
  readonly timeoutMs: number
  readonly maxInFlight: number
  readonly maxBodyBytes: number
  readonly maxResponseBytes: number
  readonly connections: number
  readonly circuitBreaker: CircuitBreakerConfig
}

export interface ProxyConfig {
  readonly hostHeader: 'preserve' | 'upstream'
  readonly timeoutMs: number
  readonly connectTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly connections: number
  /** Time a client has to send a request's complete headers (slow-header clients get 408). */
  readonly clientHeadersTimeoutMs: number
  /** Time a client has to send a complete request, headers and body (0: no limit). */
  readonly clientRequestTimeoutMs: number
}

export interface ListenConfig {
  readonly host: string
  readonly port: number
}

export interface AdminConfig extends ListenConfig {
  readonly enabled: boolean
  readonly token: string | undefined
}

export interface RedisConfig {
  readonly url: string
  readonly prefix: string
}

export interface AuditProducerConfig {
  readonly enabled: boolean
  readonly maxBodyBytes: number
  readonly captureRequestHeaders: readonly string[]
  readonly redactHeaders: readonly string[]
  readonly redactQuery: readonly string[]
  readonly redactPaths: readonly PathPattern[]
  readonly identityHeader: string | undefined
  readonly bufferSize: number
  /** Bytes of captured bodies the in-process buffer may hold before new pairs are dropped. */
  readonly maxBufferBytes: number
  readonly batchSize: number
  readonly flushMs: number
  readonly maxQueueDepth: number
  readonly depthCheckMs: number
  readonly compressAboveBytes: number
}

export interface AuditWorkerConfig {
  readonly concurrency: number
  readonly maxDecodedBytes: number
  readonly maxJsonDepth: number
  readonly diffTimeoutMs: number
  readonly shutdownTimeoutMs: number
  readonly samplesPerGroup: number
  readonly maxGroups: number
  readonly sampleTtlMs: number
  readonly maxPathsPerRoute: number
  readonly keepFailedJobs: number
  readonly http: ListenConfig
}

export type InfluxConfig =
  | {
      readonly version: 2
      readonly url: string
      readonly token: string
      readonly org: string
      readonly bucket: string
      readonly flushMs: number
      readonly batchSize: number
      readonly maxBufferLines: number
      readonly maxRetries: number
      readonly gatewayWindowMs: number
    }
  | {
      readonly version: 1
      readonly url: string
      readonly database: string
      readonly retentionPolicy: string | undefined
      readonly username: string | undefined
      readonly password: string | undefined
      readonly flushMs: number
      readonly batchSize: number
      readonly maxBufferLines: number
      readonly maxRetries: number
      readonly gatewayWindowMs: number
    }

/** The validated, defaulted and frozen configuration shared by the gateway and the audit worker. */
export interface ShadowgateConfig {
  readonly listen: ListenConfig
  readonly admin: AdminConfig
  readonly primary: string
  readonly shadow: string | undefined
  readonly redis: RedisConfig | undefined
  readonly proxy: ProxyConfig
  readonly mirror: MirrorDefaults
  readonly routes: readonly RouteConfig[]
  readonly audit: AuditProducerConfig
  readonly worker: AuditWorkerConfig
  readonly influx: InfluxConfig | undefined
}
