import { ConfigError } from '../errors.js'
import { parsePathPattern, type PathPattern } from '../path-grammar.js'
import { routeTemplateError } from '../route-template.js'
import { DEFAULT_STAGE, MIGRATION_STAGES, isMigrationStage, type MigrationStage } from '../migration-stage.js'
import { DEFAULT_REDIS_PREFIX } from '../queue-names.js'
import { ConfigReader, checkUpstreamUrl } from './config-reader.js'
import { routeGate } from './validate-gate-config.js'
import { maskUrlCredentials } from './mask-url-credentials.js'
import * as D from './defaults.js'
import type {
  AdminConfig,
  ArrayRule,
  AuditProducerConfig,
  AuditWorkerConfig,
  InfluxConfig,
  MirrorDefaults,
  ProxyConfig,
  RedisConfig,
  RouteAuditConfig,
  RouteConfig,
  ShadowgateConfig,
  StickyKey,
  ToleranceRule,
} from './config-types.js'

const HTTP_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'CONNECT']
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

function pattern(key: string, text: unknown): PathPattern {
  if (typeof text !== 'string') throw new ConfigError(key, 'must be a field path string such as $.items[*].price')
  try {
    return parsePathPattern(text)
  } catch (err) {
    throw new ConfigError(key, `is not a valid field path: ${(err as Error).message}`)
  }
}

function methods(r: ConfigReader, k: string, def: readonly string[]): readonly string[] {
  return r.stringList(k, def).map((m, i) => {
    const up = m.toUpperCase()
    if (!HTTP_METHODS.includes(up)) throw new ConfigError(`${r.key(k)}[${i}]`, `must be an HTTP method (${HTTP_METHODS.join(', ')})`)
    return up
  })
}

function headerNames(r: ConfigReader, k: string, def: readonly string[]): readonly string[] {
  return r.stringList(k, def).map((h, i) => {
    if (!TOKEN.test(h)) throw new ConfigError(`${r.key(k)}[${i}]`, 'must be a valid header name')
    return h.toLowerCase()
  })
}

function sticky(key: string, v: unknown): StickyKey | undefined {
  if (v === undefined || v === null) return undefined
  const m = typeof v === 'string' ? /^(header|cookie|query):(.+)$/.exec(v) : null
  if (!m) throw new ConfigError(key, 'must be header:<name>, cookie:<name> or query:<name>')
  const source = m[1] as StickyKey['source']
  const name = m[2] ?? ''
  return { source, name: source === 'header' ? name.toLowerCase() : name }
}

function listen(r: ConfigReader, host: string, port: number): { host: string; port: number } {
  const out = { host: r.string('host', host), port: r.number('port', port, { min: 0, max: 65535, integer: true }) }
  return out
}

function admin(r: ConfigReader): AdminConfig {
  const base = listen(r, D.DEFAULT_ADMIN_HOST, D.DEFAULT_ADMIN_PORT)
  const token = r.string('token')
  const enabled = r.boolean('enabled', true)
  r.done()
  const loopback = base.host === '127.0.0.1' || base.host === '::1' || base.host === 'localhost'
  if (enabled && !loopback && !token) throw new ConfigError('admin.token', `is required when admin.host is not a loopback address (got "${base.host}")`)
  return { ...base, enabled, token: token || undefined }
}

function redis(v: unknown): RedisConfig | undefined {
  if (v === undefined || v === null || v === '') return undefined
  const r = new ConfigReader('redis', typeof v === 'string' ? { url: v } : v)
  const url = r.requiredString('url')
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError('redis.url', `must be a redis:// or rediss:// URL (got "${maskUrlCredentials(url)}")`)
  const prefix = r.string('prefix', DEFAULT_REDIS_PREFIX)
  r.done()
  return { url, prefix }
}

function proxy(r: ConfigReader): ProxyConfig {
  const out: ProxyConfig = {
    hostHeader: r.oneOf('hostHeader', ['preserve', 'upstream'] as const, D.DEFAULT_HOST_HEADER),
    timeoutMs: r.duration('timeout', D.DEFAULT_PROXY_TIMEOUT_MS, { min: 1 }),
    connectTimeoutMs: r.duration('connectTimeout', D.DEFAULT_CONNECT_TIMEOUT_MS, { min: 1 }),
    keepAliveTimeoutMs: r.duration('keepAliveTimeout', D.DEFAULT_KEEP_ALIVE_TIMEOUT_MS, { min: 1 }),
    connections: r.number('connections', D.DEFAULT_CONNECTIONS, { min: 1, integer: true }),
    clientHeadersTimeoutMs: r.duration('clientHeadersTimeout', D.DEFAULT_CLIENT_HEADERS_TIMEOUT_MS, { min: 1 }),
    clientRequestTimeoutMs: r.duration('clientRequestTimeout', D.DEFAULT_CLIENT_REQUEST_TIMEOUT_MS, { min: 0 }),
  }
  r.done()
  // Node refuses a header deadline beyond the whole-request deadline.
  if (out.clientRequestTimeoutMs > 0 && out.clientHeadersTimeoutMs > out.clientRequestTimeoutMs) {
    throw new ConfigError('proxy.clientHeadersTimeout', 'must not exceed proxy.clientRequestTimeout (or set proxy.clientRequestTimeout to 0 for no limit)')
  }
  return out
}

function mirrorDefaults(r: ConfigReader): MirrorDefaults {
  const cb = r.child('circuitBreaker')
  const out: MirrorDefaults = {
    timeoutMs: r.duration('timeout', D.DEFAULT_MIRROR_TIMEOUT_MS, { min: 1 }),
    maxInFlight: r.number('maxInFlight', D.DEFAULT_MAX_IN_FLIGHT, { min: 1, integer: true }),
    maxBodyBytes: r.number('maxBodyBytes', D.DEFAULT_MAX_BODY_BYTES, { min: 0, integer: true }),
    maxResponseBytes: r.number('maxResponseBytes', D.DEFAULT_MAX_SHADOW_RESPONSE_BYTES, { min: 0, integer: true }),
    connections: r.number('connections', D.DEFAULT_SHADOW_CONNECTIONS, { min: 1, integer: true }),
    circuitBreaker: {
      consecutiveFailures: cb.number('consecutiveFailures', D.DEFAULT_CIRCUIT_FAILURES, { min: 1, integer: true }),
      openMs: cb.duration('openDuration', D.DEFAULT_CIRCUIT_OPEN_MS, { min: 1 }),
    },
  }
  cb.done()
  r.done()
  return out
}

function routeAudit(r: ConfigReader): RouteAuditConfig {
  const arraysR = r.child('arrays')
  const arrays: ArrayRule[] = arraysR.entries().map(([p, v]) => {
    const key = `${arraysR.key(JSON.stringify(p))}`
    arraysR.raw(p)
    const path = pattern(key, p)
    if (v === 'ordered' || v === 'unordered') return { path, mode: { mode: v } }
    const m = typeof v === 'string' ? /^keyed:([A-Za-z_][A-Za-z0-9_]*)$/.exec(v) : null
    if (!m || !m[1]) throw new ConfigError(key, 'must be ordered, unordered or keyed:<field>')
    return { path, mode: { mode: 'keyed', key: m[1] } }
  })
  const tolR = r.child('tolerance')
  const tolerance: ToleranceRule[] = tolR.entries().map(([p, v]) => {
    const key = tolR.key(JSON.stringify(p))
    tolR.raw(p)
    const path = pattern(key, p)
    const t = new ConfigReader(key, v)
    const absolute = t.has('absolute') ? t.number('absolute', 0, { min: 0 }) : undefined
    const relative = t.has('relative') ? t.number('relative', 0, { min: 0, max: 1 }) : undefined
    t.done()
    if (absolute === undefined && relative === undefined) throw new ConfigError(key, 'needs absolute or relative')
    return { path, absolute, relative }
  })
  const out: RouteAuditConfig = {
    percent: r.number('percent', D.DEFAULT_AUDIT_PERCENT, { min: 0, max: 100 }),
    ignore: r.list('ignore').map((p, i) => pattern(`${r.key('ignore')}[${i}]`, p)),
    ignoreHeaders: headerNames(r, 'ignoreHeaders', []),
    compareHeaders: headerNames(r, 'compareHeaders', D.DEFAULT_COMPARE_HEADERS),
    arrays,
    tolerance,
  }
  r.done()
  return out
}

/** The key naming one side of a route: `old`/`new`, or their aliases `primary`/`shadow`, never both. */
function sideKey(r: ConfigReader, key: string, alias: string): string {
  if (r.has(key) && r.has(alias)) throw new ConfigError(r.key(key), `and ${r.key(alias)} name the same upstream (${alias} is an alias of ${key}); set only one`)
  return r.has(key) ? key : alias
}

function stage(r: ConfigReader): MigrationStage {
  const v = r.string('stage', DEFAULT_STAGE)
  if (!isMigrationStage(v)) throw new ConfigError(r.key('stage'), `must be one of ${MIGRATION_STAGES.join(', ')} (got ${JSON.stringify(v)})`)
  return v
}

function route(r: ConfigReader, primary: string, shadow: string | undefined, md: MirrorDefaults): RouteConfig {
  const name = r.requiredString('name')
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(r.key('name'), 'must be 1-64 characters of letters, digits, "_", "-" or "."')
  const match = r.requiredString('match')
  const err = routeTemplateError(match)
  if (err) throw new ConfigError(r.key('match'), err)
  const m = r.child('mirror')
  const h = m.child('headers')
  const setR = h.child('set')
  const set: Record<string, string> = {}
  for (const [k] of setR.entries()) {
    if (!TOKEN.test(k)) throw new ConfigError(setR.key(k), 'must be a valid header name')
    set[k.toLowerCase()] = setR.requiredString(k)
  }
  const oldKey = sideKey(r, 'old', 'primary')
  const newKey = sideKey(r, 'new', 'shadow')
  const serveR = r.child('serve')
  const out: RouteConfig = {
    name,
    match,
    methods: r.has('methods') ? methods(r, 'methods', []) : undefined,
    primary: checkUpstreamUrl(r.key(oldKey), r.string(oldKey, primary)),
    shadow: r.has(newKey) ? checkUpstreamUrl(r.key(newKey), r.requiredString(newKey)) : shadow,
    stage: stage(r),
    serve: { percent: serveR.number('percent', 0, { min: 0, max: 100 }) },
    mirror: {
      percent: m.number('percent', D.DEFAULT_MIRROR_PERCENT, { min: 0, max: 100 }),
      sticky: sticky(m.key('sticky'), m.raw('sticky')),
      methods: methods(m, 'methods', D.DEFAULT_MIRROR_METHODS),
      maxBodyBytes: m.number('maxBodyBytes', md.maxBodyBytes, { min: 0, integer: true }),
      headers: { set, remove: headerNames(h, 'remove', []) },
    },
    audit: routeAudit(r.child('audit')),
    gate: routeGate(r),
  }
  h.done()
  m.done()
  serveR.done()
  r.done()
  if (out.mirror.percent > 0 && out.shadow === undefined) throw new ConfigError(r.key(newKey), 'is required when mirror.percent is above 0 (set it here or at the top level)')
  if (out.gate !== undefined && out.shadow === undefined) throw new ConfigError(r.key(newKey), 'is required when the route has a gate (set it here or at the top level)')
  if ((out.stage === 'canary' || out.stage === 'final') && out.shadow === undefined) throw new ConfigError(r.key('new'), `is required when stage is ${out.stage} (set it here or at the top level)`)
  return out
}

function identityHeader(r: ConfigReader): string | undefined {
  const v = r.string('identityHeader')
  if (v === undefined) return undefined
  if (!TOKEN.test(v)) throw new ConfigError(r.key('identityHeader'), 'must be a valid header name')
  return v.toLowerCase()
}

function auditProducer(r: ConfigReader): AuditProducerConfig {
  const out: AuditProducerConfig = {
    enabled: r.boolean('enabled', true),
    maxBodyBytes: r.number('maxBodyBytes', D.DEFAULT_MAX_AUDIT_BODY_BYTES, { min: 0, integer: true }),
    captureRequestHeaders: headerNames(r, 'captureRequestHeaders', D.DEFAULT_CAPTURE_REQUEST_HEADERS),
    redactHeaders: [...new Set([...D.ALWAYS_REDACTED_HEADERS, ...headerNames(r, 'redactHeaders', [])])],
    redactQuery: r.stringList('redactQuery', D.DEFAULT_REDACT_QUERY),
    redactPaths: r.list('redactPaths').map((p, i) => pattern(`${r.key('redactPaths')}[${i}]`, p)),
    identityHeader: identityHeader(r),
    bufferSize: r.number('bufferSize', D.DEFAULT_AUDIT_BUFFER_SIZE, { min: 1, integer: true }),
    maxBufferBytes: r.number('maxBufferBytes', D.DEFAULT_AUDIT_MAX_BUFFER_BYTES, { min: 1, integer: true }),
    batchSize: r.number('batchSize', D.DEFAULT_AUDIT_BATCH_SIZE, { min: 1, max: 10_000, integer: true }),
    flushMs: r.duration('flushInterval', D.DEFAULT_AUDIT_FLUSH_MS, { min: 1, max: 50 }),
    maxQueueDepth: r.number('maxQueueDepth', D.DEFAULT_MAX_QUEUE_DEPTH, { min: 1, integer: true }),
    depthCheckMs: r.duration('depthCheckInterval', D.DEFAULT_DEPTH_CHECK_MS, { min: 100 }),
    compressAboveBytes: r.number('compressAboveBytes', D.DEFAULT_COMPRESS_ABOVE_BYTES, { min: 0, integer: true }),
  }
  r.done()
  return out
}

function worker(r: ConfigReader): AuditWorkerConfig {
  const http = r.child('http')
  const out: AuditWorkerConfig = {
    concurrency: r.number('concurrency', D.DEFAULT_WORKER_CONCURRENCY, { min: 1, max: 1_000, integer: true }),
    maxDecodedBytes: r.number('maxDecodedBytes', D.DEFAULT_MAX_DECODED_BYTES, { min: 1, integer: true }),
    maxJsonDepth: r.number('maxJsonDepth', D.DEFAULT_MAX_JSON_DEPTH, { min: 1, max: 100_000, integer: true }),
    diffTimeoutMs: r.duration('diffTimeout', D.DEFAULT_DIFF_TIMEOUT_MS, { min: 1 }),
    shutdownTimeoutMs: r.duration('shutdownTimeout', D.DEFAULT_SHUTDOWN_TIMEOUT_MS, { min: 0 }),
    samplesPerGroup: r.number('samplesPerGroup', D.DEFAULT_SAMPLES_PER_GROUP, { min: 0, max: 100, integer: true }),
    maxGroups: r.number('maxGroups', D.DEFAULT_MAX_GROUPS, { min: 1, integer: true }),
    sampleTtlMs: r.duration('sampleTtl', D.DEFAULT_SAMPLE_TTL_MS, { min: 1_000, max: D.MAX_SAMPLE_TTL_MS }),
    maxPathsPerRoute: r.number('maxPathsPerRoute', D.DEFAULT_MAX_PATHS_PER_ROUTE, { min: 1, integer: true }),
    keepFailedJobs: r.number('keepFailedJobs', D.DEFAULT_KEEP_FAILED_JOBS, { min: 0, integer: true }),
    http: listen(http, D.DEFAULT_WORKER_HTTP_HOST, D.DEFAULT_WORKER_HTTP_PORT),
  }
  http.done()
  r.done()
  return out
}

function influx(v: unknown): InfluxConfig | undefined {
  if (v === undefined || v === null) return undefined
  const r = new ConfigReader('influx', v)
  const url = checkUpstreamUrl('influx.url', r.requiredString('url'))
  const common = {
    url,
    flushMs: r.duration('flushInterval', D.DEFAULT_INFLUX_FLUSH_MS, { min: 1 }),
    batchSize: r.number('batchSize', D.DEFAULT_INFLUX_BATCH_SIZE, { min: 1, integer: true }),
    maxBufferLines: r.number('maxBufferLines', D.DEFAULT_INFLUX_MAX_BUFFER_LINES, { min: 1, integer: true }),
    maxRetries: r.number('maxRetries', D.DEFAULT_INFLUX_MAX_RETRIES, { min: 0, integer: true }),
    gatewayWindowMs: r.duration('gatewayWindow', D.DEFAULT_GATEWAY_WINDOW_MS, { min: 1_000 }),
  }
  let out: InfluxConfig
  if (r.has('database')) {
    if (r.has('bucket') || r.has('org') || r.has('token')) throw new ConfigError('influx', 'must use either v1 options (database, retentionPolicy, username, password) or v2 options (token, org, bucket), not both')
    out = { version: 1, ...common, database: r.requiredString('database'), retentionPolicy: r.string('retentionPolicy'), username: r.string('username'), password: r.string('password') }
  } else if (r.has('bucket')) {
    out = { version: 2, ...common, token: r.requiredString('token'), org: r.requiredString('org'), bucket: r.requiredString('bucket') }
  } else throw new ConfigError('influx', 'needs either database (InfluxDB 1.x) or token, org and bucket (InfluxDB 2.x/3.x)')
  r.done()
  return out
}

/**
 * Validates a parsed (and env-interpolated) config object once at start-up, fills in the named
 * DEFAULT_* constants and freezes the result. Throws ConfigError naming the key and the constraint.
 */
export function validateConfig(raw: unknown): ShadowgateConfig {
  const r = new ConfigReader('', raw)
  const primary = checkUpstreamUrl('primary', r.requiredString('primary'))
  const shadow = r.has('shadow') ? checkUpstreamUrl('shadow', r.requiredString('shadow')) : undefined
  const listenR = r.child('listen')
  const listenCfg = listen(listenR, D.DEFAULT_LISTEN_HOST, D.DEFAULT_LISTEN_PORT)
  listenR.done()
  const md = mirrorDefaults(r.child('mirror'))
  const routes = r.list('routes').map((v, i) => route(new ConfigReader(`routes[${i}]`, v), primary, shadow, md))
  const names = new Set<string>()
  routes.forEach((rt, i) => {
    if (names.has(rt.name)) throw new ConfigError(`routes[${i}].name`, `must be unique ("${rt.name}" is used twice)`)
    names.add(rt.name)
  })
  const cfg: ShadowgateConfig = {
    listen: listenCfg,
    admin: admin(r.child('admin')),
    primary,
    shadow,
    redis: redis(r.raw('redis')),
    proxy: proxy(r.child('proxy')),
    mirror: md,
    routes,
    audit: auditProducer(r.child('audit')),
    worker: worker(r.child('worker')),
    influx: influx(r.raw('influx')),
  }
  r.done()
  return deepFreeze(cfg)
}
