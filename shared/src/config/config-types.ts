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
  /** Initial primary upstream for this route; at run time the gateway may change which upstream serves. */
  readonly primary: string
  readonly shadow: string | undefined
  readonly mirror: RouteMirrorConfig
  readonly audit: RouteAuditConfig
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

/** One Redis server (`redis.url`). */
export interface SingleRedisConfig {
  readonly mode: 'single'
  readonly url: string
  readonly prefix: string
}

/** A Redis Cluster (`redis.cluster`): seed nodes; the client discovers the rest. `prefix` carries a hash tag. */
export interface ClusterRedisConfig {
  readonly mode: 'cluster'
  readonly cluster: readonly string[]
  readonly prefix: string
}

/** A master found through Redis Sentinel (`redis.sentinels` + `redis.name`). */
export interface SentinelRedisConfig {
  readonly mode: 'sentinel'
  readonly sentinels: readonly string[]
  /** The master group name the sentinels monitor. */
  readonly name: string
  /** Credentials of the master and replicas (those in the sentinel URLs are the sentinels' own). */
  readonly username: string | undefined
  readonly password: string | undefined
  readonly prefix: string
}

export type RedisConfig = SingleRedisConfig | ClusterRedisConfig | SentinelRedisConfig

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
