import type { MigrationStage } from '../migration-stage.js'
import type { PathPattern } from '../path-grammar.js'
import type { WriteStage } from '../write-entry.js'

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
  /** `value`: JSON numbers equal as numbers are equal (`1.0` = `1`); `literal`: they must also be spelled the same. */
  readonly numbers: NumberComparison
}

export type NumberComparison = 'value' | 'literal'

/**
 * Re-checks of suspect mismatches (safe methods only): the worker sends the request again to both
 * upstreams after `delayMs` and `secondDelayMs`, within a per-route budget.
 */
export interface RouteRecheckConfig {
  readonly enabled: boolean
  /** Fixed first delay; undefined: max(1 s, 2 × the route's recent shadow latency). */
  readonly delayMs: number | undefined
  readonly secondDelayMs: number
  /** Most re-checks as a share (0-1) of the route's audited pairs. */
  readonly maxShare: number
  /** Most re-checks per second for the route. */
  readonly maxRate: number
  /** Headers every re-check sends (credentials the audit never stores), lower-case names. */
  readonly headers: Readonly<Record<string, string>>
}

/** A/A noise sampling: a share of audited safe requests is sent twice to the shadow by the worker. */
export interface RouteNoiseConfig {
  /** Share (0-1) of audited pairs sampled. */
  readonly sample: number
  /** Most A/A samples per second for the route. */
  readonly maxRate: number
}

/** Which request part orders a route's writes: `param:id` (a path parameter of `match`) or `header:x-tenant`. */
export interface PartitionKey {
  readonly source: 'param' | 'header'
  readonly name: string
}

/** How a replayed write is read back from both sides and compared. */
export interface WriteVerifyRead {
  /** Path template of the GET; `{path}` is the write's path without its query. */
  readonly path: string
  /** Wait after the replay before reading, so lag behind the write settles. */
  readonly delayMs: number
  /** Read-backs in flight per replayer; past it one is counted as not verified. */
  readonly concurrency: number
}

/** The route's write log: what is recorded, how it is ordered and how the replayer treats it. */
export interface RouteWritesConfig {
  /** The stage at start; at run time the stage lives in Redis (`shadowgate writes stage`). */
  readonly stage: WriteStage
  readonly methods: readonly string[]
  /** Larger bodies are still served; the log records a gap for them. */
  readonly maxBodyBytes: number
  /** Request headers recorded and replayed (lower-cased); Authorization only when listed here. */
  readonly headers: readonly string[]
  readonly partitions: number
  readonly partitionBy: PartitionKey | undefined
  /** Longest wait for Redis before a write is forwarded unlogged (and counted in a gap). */
  readonly appendTimeoutMs: number
  /** Entries a partition may hold unreplayed; past it writes are counted in a gap. */
  readonly maxPendingEntries: number
  /** Lower-cased header carrying the entry's idempotency key to both sides. */
  readonly idempotencyHeader: string
  /** An intent without an outcome after this long is `unknown`: held back until acknowledged. */
  readonly unknownAfterMs: number
  /** Attempts per entry on a 5xx or timeout before it is parked. */
  readonly maxAttempts: number
  readonly replayTimeoutMs: number
  /** Compare the replayed status with the logged one and write the verdict to InfluxDB. */
  readonly verify: boolean
  /** Read-after-write audit of replayed writes; undefined: status only (or nothing). */
  readonly verifyRead: WriteVerifyRead | undefined
  /** A cut-over to final needs the replay lag (seconds behind) below this, continuously for lagStableForMs. */
  readonly maxLagForCutoverMs: number
  /** How long the lag must have stayed below maxLagForCutoverMs. */
  readonly lagStableForMs: number
  /** In stage final, log the new side's writes for replay to the old side. */
  readonly reverse: boolean
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
  readonly recheck: RouteRecheckConfig
  readonly noise: RouteNoiseConfig
  /** The write log; undefined: writes only go to the serving side (and the mirror's copy, if any). */
  readonly writes: RouteWritesConfig | undefined
  /** Declared read-only: writes seen on it are flagged in the access audit. */
  readonly readOnly: boolean
  readonly slowThreshold: SlowThreshold
  /** The route's gate (routes[].gate): absent, no gate watches the route. */
  readonly gate?: RouteGateConfig | undefined
}

/** When a request is slow: past a fixed time, or past a factor of the route's recent p99. */
export type SlowThreshold = { readonly kind: 'absolute'; readonly ms: number } | { readonly kind: 'relative'; readonly factor: number }

export interface AccessConfig {
  /** Header holding an API key; the caller is its hash when there is no identity header. */
  readonly apiKeyHeader: string | undefined
  readonly maxCallersPerRoute: number
}

export interface SlowLogConfig {
  readonly size: number
  readonly ttlMs: number
}

export interface AccessLogConfig {
  readonly enabled: boolean
  /** Share of requests logged, 0-1. */
  readonly sample: number
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
  /** Runtime percents may go up to maxAmplification × 100 (copies per request for load tests). */
  readonly maxAmplification: number
}

/** Load ramps (`shadowgate load`): how often brakes are checked and how long a ramp may run by default. */
export interface LoadConfig {
  readonly intervalMs: number
  readonly maxDurationMs: number
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
  /** Time a client may take no response bytes (the gateway's send buffer stays full) before it is disconnected (0: no limit). */
  readonly clientWriteTimeoutMs: number
  /** CIDRs (IPv4 or IPv6) of peers whose X-Forwarded-* and Forwarded headers are trusted and kept. */
  readonly trustedProxies: readonly string[]
}

export interface ListenConfig {
  readonly host: string
  readonly port: number
}

/** An operator HTTP listener (admin API, audit worker API): which Host and Origin headers it serves. */
export interface OperatorListenConfig extends ListenConfig {
  /** Host names served besides loopback names, the bound address and the address a connection arrived on. */
  readonly allowedHosts: readonly string[]
  /** Origins (`https://ops.example`) whose browser pages may call the listener; none by default. */
  readonly allowedOrigins: readonly string[]
}

export interface AdminConfig extends OperatorListenConfig {
  readonly enabled: boolean
  readonly token: string | undefined
}

/** Cut-over of a route's serving side across every gateway (see docs/gateway.md, Cut-over). */
export interface CutoverConfig {
  /** Requests one instance holds during a cut-over; one more aborts it. */
  readonly maxHeldRequests: number
  /** Bytes (headers + declared bodies) of the requests one instance holds; more aborts it. */
  readonly maxHeldBytes: number
  /** How long the coordinator waits for every live instance to hold and acknowledge. */
  readonly ackTimeoutMs: number
  /** Longest hold: an instance that has no COMMIT by then releases to the old side by itself. */
  readonly maxPauseMs: number
  /** Shortest time between two committed cut-overs of one route. */
  readonly minTimeBetweenFlipsMs: number
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
  /** Bytes of bodies all pairs still being captured (not yet handed to the buffer) may hold together. */
  readonly maxCaptureBytesTotal: number
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
  /** Longest a job waits (from its enqueue) for InfluxDB to acknowledge its points before it is failed. */
  readonly influxMaxWaitMs: number
  /** Run the write replayer inside the audit worker (when a route has a writes block). */
  readonly replay: boolean
  readonly http: WorkerHttpConfig
}

export interface WorkerHttpConfig extends OperatorListenConfig {
  /** Bearer token of the audit HTTP API; undefined serves loopback callers only. */
  readonly token: string | undefined
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

/**
 * The validated, defaulted and frozen configuration shared by the gateway and the audit worker: the
 * runtime form of a ShadowgateConfigFile (config-schema.ts), with durations in milliseconds, field
 * paths parsed and header names lower-cased.
 */
export interface ShadowgateConfig {
  readonly listen: ListenConfig
  readonly admin: AdminConfig
  readonly primary: string
  readonly shadow: string | undefined
  readonly redis: RedisConfig | undefined
  readonly proxy: ProxyConfig
  readonly mirror: MirrorDefaults
  readonly load: LoadConfig
  readonly routes: readonly RouteConfig[]
  readonly audit: AuditProducerConfig
  readonly worker: AuditWorkerConfig
  readonly influx: InfluxConfig | undefined
  readonly access: AccessConfig
  readonly slowLog: SlowLogConfig
  readonly accessLog: AccessLogConfig
  readonly cutover: CutoverConfig
}
