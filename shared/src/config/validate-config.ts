import { ConfigError } from '../errors.js'
import { parseDuration } from '../duration.js'
import { parsePathPattern } from '../path-grammar.js'
import { checkConfigSchema, originOf } from './check-config-schema.js'
import type { ShadowgateConfigFile } from './config-schema.js'
import { crossKeyIssues } from './cross-key-rules.js'
import { routeGate } from './validate-gate-config.js'
import { ALWAYS_REDACTED_HEADERS, DEFAULT_WRITE_PARTITIONS, DEFAULT_WRITE_VERIFY_CONCURRENCY, DEFAULT_WRITE_VERIFY_DELAY_MS } from './defaults.js'
import { DEFAULT_CLUSTER_REDIS_PREFIX, DEFAULT_REDIS_PREFIX } from '../queue-names.js'
import type { ArrayRule, InfluxConfig, PartitionKey, RedisConfig, RouteConfig, RouteWritesConfig, ShadowgateConfig, WriteVerifyRead, SlowThreshold, StickyKey, ToleranceRule } from './config-types.js'

type File = ShadowgateConfigFile
type RouteFile = File['routes'][number]

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** Milliseconds of a duration the schema has already checked. */
function ms(v: string | number): number {
  const n = parseDuration(v)
  if (n === undefined) throw new Error(`unchecked duration ${String(v)}`)
  return n
}

const lower = (list: readonly string[]): string[] => list.map((h) => h.toLowerCase())
const stripSlash = (url: string): string => url.replace(/\/+$/, '')

function sticky(v: string | undefined): StickyKey | undefined {
  const m = v === undefined ? null : /^(header|cookie|query):(.+)$/.exec(v)
  if (!m) return undefined
  const source = m[1] as StickyKey['source']
  const name = m[2] ?? ''
  return { source, name: source === 'header' ? name.toLowerCase() : name }
}

function partitionBy(v: string | undefined): PartitionKey | undefined {
  const m = v === undefined ? null : /^(param|header):(.+)$/.exec(v)
  if (!m) return undefined
  const source = m[1] as PartitionKey['source']
  const name = m[2] ?? ''
  return { source, name: source === 'header' ? name.toLowerCase() : name }
}

function writeVerify(v: NonNullable<RouteFile['writes']>['verify']): { verify: boolean; verifyRead: WriteVerifyRead | undefined } {
  if (typeof v === 'boolean') return { verify: v, verifyRead: undefined }
  const o = typeof v === 'string' ? { read: v } : v
  const read = o.read === undefined ? undefined : o.read.replace(/^GET +/, '')
  return {
    verify: o.status ?? true,
    verifyRead:
      read === undefined
        ? undefined
        : { path: read, delayMs: o.delay === undefined ? DEFAULT_WRITE_VERIFY_DELAY_MS : ms(o.delay), concurrency: o.concurrency ?? DEFAULT_WRITE_VERIFY_CONCURRENCY },
  }
}

function routeWrites(w: NonNullable<RouteFile['writes']>): RouteWritesConfig {
  const by = partitionBy(w.partitionBy)
  return {
    stage: w.stage,
    methods: w.methods.map((m) => m.toUpperCase()),
    maxBodyBytes: w.maxBodyBytes,
    headers: lower(w.headers),
    partitions: w.partitions ?? (by === undefined ? 1 : DEFAULT_WRITE_PARTITIONS),
    partitionBy: by,
    appendTimeoutMs: ms(w.appendTimeout),
    maxPendingEntries: w.maxPendingEntries,
    idempotencyHeader: w.idempotencyHeader.toLowerCase(),
    unknownAfterMs: ms(w.unknownAfter),
    maxAttempts: w.maxAttempts,
    replayTimeoutMs: ms(w.replayTimeout),
    ...writeVerify(w.verify),
    maxLagForCutoverMs: ms(w.maxLagForCutover),
    lagStableForMs: ms(w.lagStableFor),
    reverse: w.reverse,
  }
}

/** `2x` → a factor of the recent p99; anything else is a duration the schema has checked. */
function slowThreshold(v: string | number): SlowThreshold {
  const factor = typeof v === 'string' ? /^\s*([0-9]*(?:\.[0-9]+)?)x\s*$/.exec(v) : null
  if (factor) return { kind: 'relative', factor: Number(factor[1]) }
  return { kind: 'absolute', ms: ms(v) }
}

function route(r: RouteFile, file: File): RouteConfig {
  const arrays: ArrayRule[] = Object.entries(r.audit.arrays).map(([p, mode]) => {
    const path = parsePathPattern(p)
    if (mode === 'ordered' || mode === 'unordered') return { path, mode: { mode } }
    return { path, mode: { mode: 'keyed', key: mode.slice('keyed:'.length) } }
  })
  const tolerance: ToleranceRule[] = Object.entries(r.audit.tolerance).map(([p, t]) => ({ path: parsePathPattern(p), absolute: t.absolute, relative: t.relative }))
  // `old`/`new` and their aliases `primary`/`shadow` (the schema's cross-key rules refuse both at once).
  const shadow = r.new ?? r.shadow ?? file.shadow
  return {
    name: r.name,
    match: r.match,
    methods: r.methods?.map((m) => m.toUpperCase()),
    primary: stripSlash(r.old ?? r.primary ?? file.primary),
    shadow: shadow === undefined ? undefined : stripSlash(shadow),
    stage: r.stage,
    serve: { percent: r.serve.percent },
    mirror: {
      percent: r.mirror.percent,
      sticky: sticky(r.mirror.sticky),
      methods: r.mirror.methods.map((m) => m.toUpperCase()),
      maxBodyBytes: r.mirror.maxBodyBytes ?? file.mirror.maxBodyBytes,
      headers: {
        set: Object.fromEntries(Object.entries(r.mirror.headers.set).map(([k, v]) => [k.toLowerCase(), v])),
        remove: lower(r.mirror.headers.remove),
      },
    },
    audit: {
      percent: r.audit.percent,
      ignore: r.audit.ignore.map(parsePathPattern),
      ignoreHeaders: lower(r.audit.ignoreHeaders),
      compareHeaders: lower(r.audit.compareHeaders),
      arrays,
      tolerance,
      numbers: r.audit.numbers,
    },
    recheck: {
      enabled: r.recheck.enabled,
      delayMs: r.recheck.delay === undefined ? undefined : ms(r.recheck.delay),
      secondDelayMs: ms(r.recheck.secondDelay),
      maxShare: r.recheck.maxShare,
      maxRate: r.recheck.maxRate,
      headers: Object.fromEntries(Object.entries(r.recheck.headers).map(([k, v]) => [k.toLowerCase(), v])),
    },
    noise: { sample: r.noise.sample, maxRate: r.noise.maxRate },
    writes: r.writes === undefined ? undefined : routeWrites(r.writes),
    readOnly: r.readOnly,
    slowThreshold: slowThreshold(r.slowThreshold),
    gate: r.gate === undefined ? undefined : routeGate(r.gate),
  }
}

function redis(v: File['redis']): RedisConfig | undefined {
  if (v === undefined || v === '') return undefined
  if (typeof v === 'string') return { mode: 'single', url: v, prefix: DEFAULT_REDIS_PREFIX }
  if (v.cluster !== undefined) return { mode: 'cluster', cluster: [...v.cluster], prefix: v.prefix ?? DEFAULT_CLUSTER_REDIS_PREFIX }
  if (v.sentinels !== undefined) {
    return {
      mode: 'sentinel',
      sentinels: [...v.sentinels],
      name: v.name ?? '',
      username: v.username || undefined,
      password: v.password || undefined,
      prefix: v.prefix ?? DEFAULT_REDIS_PREFIX,
    }
  }
  return { mode: 'single', url: v.url ?? '', prefix: v.prefix ?? DEFAULT_REDIS_PREFIX }
}

function influx(v: File['influx']): InfluxConfig | undefined {
  if (v === undefined) return undefined
  const common = {
    url: stripSlash(v.url),
    flushMs: ms(v.flushInterval),
    batchSize: v.batchSize,
    maxBufferLines: v.maxBufferLines,
    maxRetries: v.maxRetries,
    gatewayWindowMs: ms(v.gatewayWindow),
  }
  if (v.database !== undefined) return { version: 1, ...common, database: v.database, retentionPolicy: v.retentionPolicy, username: v.username, password: v.password }
  return { version: 2, ...common, token: v.token ?? '', org: v.org ?? '', bucket: v.bucket ?? '' }
}

/** Allow-lists as the Host and Origin checks compare them: host names lower-case, origins as URL.origin gives them. */
function operatorAccess(l: { allowedHosts: readonly string[]; allowedOrigins: readonly string[] }): { allowedHosts: string[]; allowedOrigins: string[] } {
  return { allowedHosts: l.allowedHosts.map((h) => h.toLowerCase()), allowedOrigins: l.allowedOrigins.map((o) => originOf(o) ?? o) }
}

/** The runtime shape of a checked, defaulted file: durations in ms, parsed paths, normalised names. */
function resolve(f: File): ShadowgateConfig {
  const { proxy: p, mirror: m, audit: a, worker: w } = f
  return {
    listen: { host: f.listen.host, port: f.listen.port },
    admin: { host: f.admin.host, port: f.admin.port, enabled: f.admin.enabled, token: f.admin.token || undefined, ...operatorAccess(f.admin) },
    primary: stripSlash(f.primary),
    shadow: f.shadow === undefined ? undefined : stripSlash(f.shadow),
    redis: redis(f.redis),
    proxy: {
      hostHeader: p.hostHeader,
      timeoutMs: ms(p.timeout),
      connectTimeoutMs: ms(p.connectTimeout),
      keepAliveTimeoutMs: ms(p.keepAliveTimeout),
      connections: p.connections,
      clientHeadersTimeoutMs: ms(p.clientHeadersTimeout),
      clientRequestTimeoutMs: ms(p.clientRequestTimeout),
      clientWriteTimeoutMs: ms(p.clientWriteTimeout),
      trustedProxies: p.trustedProxies,
    },
    mirror: {
      timeoutMs: ms(m.timeout),
      maxInFlight: m.maxInFlight,
      maxBodyBytes: m.maxBodyBytes,
      maxResponseBytes: m.maxResponseBytes,
      connections: m.connections,
      circuitBreaker: { consecutiveFailures: m.circuitBreaker.consecutiveFailures, openMs: ms(m.circuitBreaker.openDuration) },
      maxAmplification: m.maxAmplification,
    },
    load: { intervalMs: ms(f.load.interval), maxDurationMs: ms(f.load.maxDuration) },
    routes: f.routes.map((r) => route(r, f)),
    audit: {
      enabled: a.enabled,
      maxBodyBytes: a.maxBodyBytes,
      captureRequestHeaders: lower(a.captureRequestHeaders),
      redactHeaders: [...new Set([...ALWAYS_REDACTED_HEADERS, ...lower(a.redactHeaders)])],
      redactQuery: a.redactQuery,
      redactPaths: a.redactPaths.map(parsePathPattern),
      identityHeader: a.identityHeader?.toLowerCase(),
      bufferSize: a.bufferSize,
      maxBufferBytes: a.maxBufferBytes,
      maxCaptureBytesTotal: a.maxCaptureBytesTotal,
      batchSize: a.batchSize,
      flushMs: ms(a.flushInterval),
      maxQueueDepth: a.maxQueueDepth,
      depthCheckMs: ms(a.depthCheckInterval),
      compressAboveBytes: a.compressAboveBytes,
    },
    worker: {
      concurrency: w.concurrency,
      maxDecodedBytes: w.maxDecodedBytes,
      maxJsonDepth: w.maxJsonDepth,
      diffTimeoutMs: ms(w.diffTimeout),
      shutdownTimeoutMs: ms(w.shutdownTimeout),
      samplesPerGroup: w.samplesPerGroup,
      maxGroups: w.maxGroups,
      sampleTtlMs: ms(w.sampleTtl),
      maxPathsPerRoute: w.maxPathsPerRoute,
      keepFailedJobs: w.keepFailedJobs,
      influxMaxWaitMs: ms(w.influxMaxWait),
      replay: w.replay,
      http: { host: w.http.host, port: w.http.port, token: w.http.token || undefined, ...operatorAccess(w.http) },
    },
    influx: influx(f.influx),
    access: { apiKeyHeader: f.access.apiKeyHeader?.toLowerCase(), maxCallersPerRoute: f.access.maxCallersPerRoute },
    slowLog: { size: f.slowLog.size, ttlMs: ms(f.slowLog.ttl) },
    accessLog: { enabled: f.accessLog.enabled, sample: f.accessLog.sample },
    cutover: {
      maxHeldRequests: f.cutover.maxHeldRequests,
      maxHeldBytes: f.cutover.maxHeldBytes,
      ackTimeoutMs: ms(f.cutover.ackTimeout),
      maxPauseMs: ms(f.cutover.maxPause),
      minTimeBetweenFlipsMs: ms(f.cutover.minTimeBetweenFlips),
    },
  }
}

/**
 * Validates a parsed (and env-interpolated) config once at start-up against the schema of
 * config-schema.ts, fills in its defaults and freezes the result. Throws one ConfigError listing
 * every problem, each naming its key and the constraint.
 */
export function validateConfig(raw: unknown): ShadowgateConfig {
  const { data, issues } = checkConfigSchema(raw)
  const all = [...issues, ...crossKeyIssues(data)]
  const [first, ...more] = all
  if (first) throw ConfigError.of([first, ...more])
  return deepFreeze(resolve(data as File))
}
