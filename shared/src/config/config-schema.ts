import { Type, type Static } from '@sinclair/typebox'
import { AUDIT_MAX_BATCH_PAIRS } from '../audit-batch.js'
import { DEFAULT_CLUSTER_REDIS_PREFIX, DEFAULT_REDIS_PREFIX } from '../queue-names.js'
import { HEADER_NAME_PATTERN, MIN_TOKEN_LENGTH, count, duration, fieldPathList, headerList, listen, section, stringList, token, upstream } from './config-schema-builders.js'
import * as D from './defaults.js'
import { routeSchema } from './route-schema.js'

/*
 * The one definition of shadowgate.yaml: key names, types, bounds, defaults and descriptions. The
 * validator (check-config-schema.ts), the file type (ShadowgateConfigFile) and the published JSON
 * Schema (shadowgate.schema.json) are all derived from it.
 *
 * Conventions the derivations rely on:
 * - a property with a `default` is filled in before anything reads it, so its static type is
 *   required while the published schema and the validator treat it as optional;
 * - `errorMessage` replaces the generic message of a type, pattern, minLength or anyOf failure
 *   (VS Code and yaml-language-server show it too);
 * - `duration`, `fieldPath`, `routeTemplate`, `upstreamUrl`, `redisUrl` and `redisNodeUrl` are checks of their own
 *   (see check-config-schema.ts); editors ignore them and still apply the `pattern` next to them.
 */

export { MIN_TOKEN_LENGTH } from './config-schema-builders.js'

/** Cluster seed nodes and sentinels: redis://host:port URLs sharing one scheme and one set of credentials. */
function redisNodeList(description: string) {
  return Type.Array(Type.String({ redisNodeUrl: true }), { description, errorMessage: 'must be a list of redis://host:port URLs' })
}

// Exactly one of url, cluster and sentinels, and the keys tied to them, are cross-key rules (cross-key-rules.ts).
const redisObject = Type.Object(
  {
    url: Type.Optional(Type.String({ redisUrl: true, minLength: 1, description: 'redis:// or rediss:// URL of one server.' })),
    cluster: Type.Optional(redisNodeList('Seed nodes of a Redis Cluster (redis://host:port each); the client discovers the rest.')),
    sentinels: Type.Optional(redisNodeList('Redis Sentinels (redis://host:port each) that know the master named by redis.name; credentials in these URLs are the sentinels\' own.')),
    name: Type.Optional(Type.String({ minLength: 1, description: 'With redis.sentinels: the master group name the sentinels monitor.' })),
    username: Type.Optional(Type.String({ description: 'With redis.sentinels: user of the master and replicas.' })),
    password: Type.Optional(Type.String({ description: 'With redis.sentinels: password of the master and replicas.' })),
    // No schema default: defaults inside an anyOf are not applied.
    prefix: Type.Optional(
      Type.String({
        minLength: 1,
        description: `Prefix of every Redis key (default: ${DEFAULT_REDIS_PREFIX}, or ${DEFAULT_CLUSTER_REDIS_PREFIX} with redis.cluster, where it must contain a {hash tag}).`,
      }),
    ),
  },
  { additionalProperties: false },
)

const influx = Type.Object(
  {
    url: upstream('InfluxDB base URL.'),
    token: Type.Optional(Type.String({ minLength: 1, description: 'InfluxDB 2.x/3.x token.' })),
    org: Type.Optional(Type.String({ minLength: 1, description: 'InfluxDB 2.x organisation.' })),
    bucket: Type.Optional(Type.String({ minLength: 1, description: 'InfluxDB 2.x bucket.' })),
    database: Type.Optional(Type.String({ minLength: 1, description: 'InfluxDB 1.x database.' })),
    retentionPolicy: Type.Optional(Type.String({ description: 'InfluxDB 1.x retention policy.' })),
    username: Type.Optional(Type.String({ description: 'InfluxDB 1.x user.' })),
    password: Type.Optional(Type.String({ description: 'InfluxDB 1.x password.' })),
    flushInterval: duration(D.DEFAULT_INFLUX_FLUSH_MS, { min: 1 }, 'Longest a point waits before it is written.'),
    batchSize: count(D.DEFAULT_INFLUX_BATCH_SIZE, 1, 'Points per write.'),
    maxBufferLines: count(D.DEFAULT_INFLUX_MAX_BUFFER_LINES, 1, 'Points kept while InfluxDB is unreachable; older ones are dropped and counted.'),
    maxRetries: count(D.DEFAULT_INFLUX_MAX_RETRIES, 0, 'Retries of a failed write.'),
    gatewayWindow: duration(D.DEFAULT_GATEWAY_WINDOW_MS, { min: 1_000 }, 'Window of the gateway series.'),
  },
  {
    additionalProperties: false,
    anyOf: [{ required: ['database'] }, { required: ['bucket'] }],
    errorMessage: 'needs either database (InfluxDB 1.x) or token, org and bucket (InfluxDB 2.x/3.x)',
  },
)

/** Host and Origin allow-lists of an operator listener (admin API, audit worker API): DNS rebinding. */
function operatorAccess(what: string) {
  return {
    allowedHosts: Type.Array(Type.String({ allowedHost: true, errorMessage: 'must be a host name without scheme or port, ".domain" or "*"' }), {
      default: [],
      description: `Host names the ${what} answers besides loopback names, its bound address and the address a connection arrived on: a name, ".domain" for it and its subdomains, or "*" for any.`,
      errorMessage: 'must be a list of strings',
    }),
    allowedOrigins: Type.Array(Type.String({ allowedOrigin: true, errorMessage: 'must be an origin such as https://ops.example:8443' }), {
      default: [],
      description: `Origins (scheme://host[:port]) whose browser pages may call the ${what}; none by default.`,
      errorMessage: 'must be a list of strings',
    }),
  }
}

export const shadowgateConfigSchema = Type.Object(
  {
    listen: section(listen(D.DEFAULT_LISTEN_HOST, D.DEFAULT_LISTEN_PORT, 'traffic listener'), 'The traffic listener.'),
    admin: section(
      {
        ...listen(D.DEFAULT_ADMIN_HOST, D.DEFAULT_ADMIN_PORT, 'admin API'),
        token: token(`Bearer token of the admin API, at least ${MIN_TOKEN_LENGTH} characters; required when admin.host is not a loopback address.`),
        enabled: Type.Boolean({ default: true, description: 'Serve the admin API.' }),
        ...operatorAccess('admin API'),
      },
      'The admin API.',
    ),
    primary: upstream('Production upstream: http(s)://host[:port][/base].'),
    shadow: Type.Optional(upstream('Shadow upstream that receives the copies.')),
    redis: Type.Optional(
      Type.Union([Type.String({ redisUrl: true }), redisObject], { errorMessage: 'must be a redis:// URL or a mapping with url, cluster or sentinels', description: 'Redis of the runtime settings and the audit queue: a URL, or { url | cluster | sentinels + name, prefix }; empty means none.' }),
    ),
    proxy: section(
      {
        hostHeader: Type.Unsafe<'preserve' | 'upstream'>({ type: 'string', enum: ['preserve', 'upstream'], default: D.DEFAULT_HOST_HEADER, description: 'Host header sent to the primary: the one the client sent (preserve) or the upstream host (upstream).' }),
        timeout: duration(D.DEFAULT_PROXY_TIMEOUT_MS, { min: 1 }, 'Longest wait for the response of the primary.'),
        connectTimeout: duration(D.DEFAULT_CONNECT_TIMEOUT_MS, { min: 1 }, 'Longest wait for a connection to the primary.'),
        keepAliveTimeout: duration(D.DEFAULT_KEEP_ALIVE_TIMEOUT_MS, { min: 1 }, 'Idle time before a pooled connection is closed.'),
        connections: count(D.DEFAULT_CONNECTIONS, 1, 'Connections to the primary per origin.'),
        clientHeadersTimeout: duration(D.DEFAULT_CLIENT_HEADERS_TIMEOUT_MS, { min: 1 }, 'Time a client has to send complete request headers (408 after).'),
        clientRequestTimeout: duration(D.DEFAULT_CLIENT_REQUEST_TIMEOUT_MS, { min: 0 }, 'Time a client has to send a complete request (0: no limit).'),
        clientWriteTimeout: duration(D.DEFAULT_CLIENT_WRITE_TIMEOUT_MS, { min: 0 }, 'Time a client may take no response bytes (the send buffer stays full) before it is disconnected (0: no limit).'),
        trustedProxies: Type.Array(Type.String({ cidr: true, errorMessage: 'must be an IPv4 or IPv6 address or CIDR' }), {
          default: [],
          description: 'Peers (CIDRs or addresses) whose X-Forwarded-* and Forwarded headers are kept; from anyone else they are replaced.',
          errorMessage: 'must be a list of strings',
        }),
      },
      'Forwarding to the primary.',
    ),
    mirror: section(
      {
        timeout: duration(D.DEFAULT_MIRROR_TIMEOUT_MS, { min: 1 }, 'Longest wait for the response of the shadow.'),
        maxInFlight: count(D.DEFAULT_MAX_IN_FLIGHT, 1, 'Copies in flight at once; more are skipped and counted.'),
        maxBodyBytes: count(D.DEFAULT_MAX_BODY_BYTES, 0, 'Largest request body copied.'),
        maxResponseBytes: count(D.DEFAULT_MAX_SHADOW_RESPONSE_BYTES, 0, 'Largest shadow response read.'),
        connections: count(D.DEFAULT_SHADOW_CONNECTIONS, 1, 'Connections to the shadow per origin.'),
        circuitBreaker: section(
          {
            consecutiveFailures: count(D.DEFAULT_CIRCUIT_FAILURES, 1, 'Failures in a row that open the breaker.'),
            openDuration: duration(D.DEFAULT_CIRCUIT_OPEN_MS, { min: 1 }, 'Time the breaker stays open.'),
          },
          'Stops copying to a failing shadow.',
        ),
        maxAmplification: count(D.DEFAULT_MAX_AMPLIFICATION, 1, 'Highest runtime percent / 100: copies per request a load test may send (GET, HEAD, OPTIONS only).', D.MAX_MAX_AMPLIFICATION),
      },
      'Defaults of mirroring, for every route.',
    ),
    load: section(
      {
        interval: duration(D.DEFAULT_LOAD_INTERVAL_MS, { min: 100, max: 3_600_000 }, 'How often each gateway checks the brakes of a running load ramp.'),
        maxDuration: duration(D.DEFAULT_LOAD_MAX_DURATION_MS, { min: 1_000, max: D.MAX_LOAD_DURATION_MS }, 'Default --max-duration of a load ramp; past it the route returns to its previous percent.'),
      },
      'Load ramps beyond 1x (shadowgate load).',
    ),
    routes: Type.Array(routeSchema, { default: [], description: 'Routes, first match wins.', errorMessage: 'must be a list' }),
    audit: section(
      {
        enabled: Type.Boolean({ default: true, description: 'Send mirrored pairs to the audit queue.' }),
        maxBodyBytes: count(D.DEFAULT_MAX_AUDIT_BODY_BYTES, 0, 'Largest body captured per response.'),
        captureRequestHeaders: headerList(D.DEFAULT_CAPTURE_REQUEST_HEADERS, 'Request headers stored with a pair.'),
        redactHeaders: headerList([], `Headers stored as a hash; ${D.ALWAYS_REDACTED_HEADERS.join(', ')} always are.`),
        redactQuery: stringList(D.DEFAULT_REDACT_QUERY, 'Query parameters stored as a hash.'),
        redactPaths: fieldPathList('Body field paths stored as a hash.'),
        identityHeader: Type.Optional(Type.String({ pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name', description: 'Request header that names the caller (stored hashed).' })),
        bufferSize: count(D.DEFAULT_AUDIT_BUFFER_SIZE, 1, 'Pairs buffered in the gateway before new ones are dropped.'),
        maxBufferBytes: count(D.DEFAULT_AUDIT_MAX_BUFFER_BYTES, 1, 'Bytes of bodies buffered before new pairs are dropped.'),
        maxCaptureBytesTotal: count(D.DEFAULT_AUDIT_MAX_CAPTURE_BYTES_TOTAL, 1, 'Bytes of bodies all pairs still being captured may hold together; beyond it pairs are dropped (dropped_capture_budget).'),
        batchSize: count(D.DEFAULT_AUDIT_BATCH_SIZE, 1, 'Pairs per queue job (a batch job holds at most this many; workers refuse longer batches).', AUDIT_MAX_BATCH_PAIRS),
        flushInterval: duration(D.DEFAULT_AUDIT_FLUSH_MS, { min: 1, max: 50 }, 'Longest a pair waits before its batch is queued.'),
        maxQueueDepth: count(D.DEFAULT_MAX_QUEUE_DEPTH, 1, 'Queue depth above which new pairs are dropped.'),
        depthCheckInterval: duration(D.DEFAULT_DEPTH_CHECK_MS, { min: 100 }, 'How often the queue depth is read.'),
        compressAboveBytes: count(D.DEFAULT_COMPRESS_ABOVE_BYTES, 0, 'Bodies larger than this are compressed in the queue.'),
      },
      'Capture of mirrored pairs (gateway side).',
    ),
    worker: section(
      {
        concurrency: count(D.DEFAULT_WORKER_CONCURRENCY, 1, 'Jobs processed at once.', 1_000),
        maxDecodedBytes: count(D.DEFAULT_MAX_DECODED_BYTES, 1, 'Largest decoded body compared.'),
        maxJsonDepth: count(D.DEFAULT_MAX_JSON_DEPTH, 1, 'Deepest JSON nesting compared.', 100_000),
        diffTimeout: duration(D.DEFAULT_DIFF_TIMEOUT_MS, { min: 1 }, 'Longest time one comparison may take.'),
        shutdownTimeout: duration(D.DEFAULT_SHUTDOWN_TIMEOUT_MS, { min: 0 }, 'Time running jobs get to finish on shutdown.'),
        samplesPerGroup: count(D.DEFAULT_SAMPLES_PER_GROUP, 0, 'Mismatch samples kept per group.', 100),
        maxGroups: count(D.DEFAULT_MAX_GROUPS, 1, 'Mismatch groups kept.'),
        sampleTtl: duration(D.DEFAULT_SAMPLE_TTL_MS, { min: 1_000, max: D.MAX_SAMPLE_TTL_MS }, 'How long mismatch samples are kept.'),
        maxPathsPerRoute: count(D.DEFAULT_MAX_PATHS_PER_ROUTE, 1, 'Distinct field paths counted per route.'),
        keepFailedJobs: count(D.DEFAULT_KEEP_FAILED_JOBS, 0, 'Failed jobs kept for inspection.'),
        influxMaxWait: duration(D.DEFAULT_INFLUX_MAX_WAIT_MS, { min: 1_000 }, 'Longest a job waits (from its enqueue) for InfluxDB to acknowledge its points; then it is failed and counted.'),
        replay: Type.Boolean({ default: true, description: 'Also run the write replayer (when a route has a writes block); false leaves replay to shadowgate replay.' }),
        http: section(
          {
            ...listen(D.DEFAULT_WORKER_HTTP_HOST, D.DEFAULT_WORKER_HTTP_PORT, 'audit worker HTTP API'),
            token: token(`Bearer token of the audit worker HTTP API, at least ${MIN_TOKEN_LENGTH} characters; required when worker.http.host is not a loopback address.`),
            ...operatorAccess('audit worker HTTP API'),
          },
          'The audit worker HTTP API (/mismatches, /metrics, /healthz).',
        ),
      },
      'The audit worker.',
    ),
    access: section(
      {
        apiKeyHeader: Type.Optional(Type.String({ pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name', description: 'Request header holding an API key: the caller is a hash of it when audit.identityHeader is absent (the key itself is never stored).' })),
        maxCallersPerRoute: count(D.DEFAULT_MAX_CALLERS_PER_ROUTE, 1, 'Distinct callers counted per route and window; the rest are counted as (other).', 100_000),
      },
      'Who calls what: the shadowgate_access counts.',
    ),
    slowLog: section(
      {
        size: count(D.DEFAULT_SLOW_LOG_SIZE, 1, 'Slow requests kept in Redis per gateway instance.', 100_000),
        ttl: duration(D.DEFAULT_SLOW_LOG_TTL_MS, { min: 1_000 }, 'How long the slow list of an instance is kept after its last entry.'),
      },
      'The list of slow requests (shadowgate slow).',
    ),
    accessLog: section(
      {
        enabled: Type.Boolean({ default: false, description: 'Log one line per request (pino, info).' }),
        sample: Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'Share of requests logged, 0-1.' }),
      },
      'The access log.',
    ),
    cutover: section(
      {
        maxHeldRequests: count(D.DEFAULT_CUTOVER_MAX_HELD_REQUESTS, 1, 'Requests one gateway instance holds during a cut-over; one more aborts it.', 1_000_000),
        maxHeldBytes: count(D.DEFAULT_CUTOVER_MAX_HELD_BYTES, 1, 'Bytes (headers + declared bodies) of the requests one instance holds during a cut-over; more aborts it.', 1_073_741_824),
        ackTimeout: duration(D.DEFAULT_CUTOVER_ACK_TIMEOUT_MS, { min: 1, max: D.MAX_CUTOVER_PAUSE_MS }, 'How long the coordinator waits for every live instance to hold and acknowledge; shorter than cutover.maxPause.'),
        maxPause: duration(D.DEFAULT_CUTOVER_MAX_PAUSE_MS, { min: 2, max: D.MAX_CUTOVER_PAUSE_MS }, 'Longest hold: an instance that has no commit by then releases to the old side by itself.'),
        minTimeBetweenFlips: duration(D.DEFAULT_CUTOVER_MIN_TIME_BETWEEN_FLIPS_MS, { min: 0 }, 'Shortest time between two committed cut-overs of one route.'),
      },
      'Cut-over of a route between the old and the new side on every gateway at once (shadowgate migrate cutover).',
    ),
    influx: Type.Optional(influx),
  },
  { additionalProperties: false, title: 'shadowgate configuration', description: 'shadowgate.yaml: one file for the gateway and the audit worker.' },
)

/** A config file after validation, with every default filled in. */
export type ShadowgateConfigFile = Static<typeof shadowgateConfigSchema>
