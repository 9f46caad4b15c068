import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { AUDIT_MAX_BATCH_PAIRS } from '../audit-batch.js'
import { DEFAULT_STAGE, MIGRATION_STAGES, type MigrationStage } from '../migration-stage.js'
import { DEFAULT_CLUSTER_REDIS_PREFIX, DEFAULT_REDIS_PREFIX } from '../queue-names.js'
import { WRITE_STAGES, type WriteStage } from '../write-entry.js'
import * as D from './defaults.js'

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

export const HTTP_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'CONNECT']
/** RFC 9110 token: the characters allowed in a header name. */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
/** RFC 9110 field-value characters (HTAB, SP, VCHAR, obs-text): no CR, LF, NUL or other controls. */
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7e\\x80-\\xff]*$'
/** A token shorter than this is refused: it would be guessable by anyone who can reach the port. */
export const MIN_TOKEN_LENGTH = 16
const DURATION_PATTERN = '^\\s*[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d)?\\s*$'
export const DURATION_MESSAGE = 'must be a duration such as 500ms, 5s or 10m (a bare number is milliseconds)'

/** `GET` → `[Gg][Ee][Tt]`: methods are case-insensitive, and a JSON Schema pattern has no `i` flag. */
function caseInsensitive(word: string): string {
  return [...word].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join('')
}

/** 30000 → '30s': defaults are published in the form people write them. */
function durationText(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

function duration(def: number, range: { min?: number; max?: number }, description: string): TSchema & { static: string | number } {
  return Type.Unsafe<string | number>({ type: ['string', 'number'], pattern: DURATION_PATTERN, duration: range, default: durationText(def), description, errorMessage: DURATION_MESSAGE })
}

/** A duration, or a factor of the route's recent p99 such as `2x` (never 0x). */
const SLOW_THRESHOLD_PATTERN = '^\\s*([0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d)?|(?!0*(\\.0*)?x)[0-9]*(\\.[0-9]+)?x)\\s*$'

function port(def: number, description: string) {
  return Type.Integer({ minimum: 0, maximum: 65535, default: def, description })
}

function count(def: number, min: number, description: string, max?: number) {
  return Type.Integer({ minimum: min, ...(max === undefined ? {} : { maximum: max }), default: def, description })
}

function percent(def: number, description: string) {
  return Type.Number({ minimum: 0, maximum: 100, default: def, description })
}

function stringList(def: readonly string[], description: string) {
  return Type.Array(Type.String({ minLength: 1, errorMessage: 'must be a non-empty string' }), { default: [...def], description, errorMessage: 'must be a list of strings' })
}

function headerList(def: readonly string[], description: string) {
  return Type.Array(Type.String({ pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name' }), { default: [...def], description, errorMessage: 'must be a list of strings' })
}

function methodList(def: readonly string[] | undefined, description: string) {
  const method = Type.String({ pattern: `^(${HTTP_METHODS.map(caseInsensitive).join('|')})$`, errorMessage: `must be an HTTP method (${HTTP_METHODS.join(', ')})` })
  return Type.Array(method, { ...(def ? { default: [...def] } : {}), description, errorMessage: 'must be a list of strings' })
}

const fieldPath = Type.String({ fieldPath: true, errorMessage: 'must be a field path string such as $.items[*].price' })

function fieldPathList(description: string) {
  return Type.Array(fieldPath, { default: [], description, errorMessage: 'must be a list' })
}

function token(description: string) {
  return Type.Optional(Type.String({ minLength: MIN_TOKEN_LENGTH, description }))
}

function section<T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) {
  return Type.Object(properties, { additionalProperties: false, default: {}, description })
}

function listen(host: string, portDefault: number, what: string) {
  return {
    host: Type.String({ default: host, description: `Address the ${what} listens on.` }),
    port: port(portDefault, `Port of the ${what} (0: any free port).`),
  }
}

const upstream = (description: string) => Type.String({ upstreamUrl: true, description })

const routeMirror = section(
  {
    percent: percent(D.DEFAULT_MIRROR_PERCENT, 'Share of matching requests copied to the shadow, 0-100.'),
    sticky: Type.Optional(Type.String({ pattern: '^(header|cookie|query):.+$', errorMessage: 'must be header:<name>, cookie:<name> or query:<name>', description: 'Mirror the same callers every time: header:<name>, cookie:<name> or query:<name>.' })),
    methods: methodList(D.DEFAULT_MIRROR_METHODS, 'Methods copied to the shadow; add writes only when the shadow has its own datastore.'),
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Largest request body copied (default: mirror.maxBodyBytes).' })),
    headers: section(
      {
        set: Type.Record(Type.String(), Type.String({ pattern: HEADER_VALUE_PATTERN, errorMessage: 'must not contain CR, LF or other control characters (not allowed in an HTTP header value)' }), {
          default: {},
          propertyNames: { pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name' },
          description: 'Headers set on the copy sent to the shadow.',
        }),
        remove: headerList([], 'Headers removed from the copy sent to the shadow.'),
      },
      'Header rewrites of the copy sent to the shadow.',
    ),
  },
  'How this route is copied to the shadow.',
)

const tolerance = Type.Object(
  { absolute: Type.Optional(Type.Number({ minimum: 0 })), relative: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) },
  { additionalProperties: false, anyOf: [{ required: ['absolute'] }, { required: ['relative'] }], errorMessage: 'needs absolute or relative' },
)

const routeAudit = section(
  {
    percent: percent(D.DEFAULT_AUDIT_PERCENT, 'Share of mirrored pairs sent to the audit queue, 0-100.'),
    ignore: fieldPathList('Field paths left out of the comparison, such as $.generatedAt.'),
    ignoreHeaders: headerList([], 'Headers left out of the comparison.'),
    compareHeaders: headerList(D.DEFAULT_COMPARE_HEADERS, 'Response headers compared.'),
    arrays: Type.Record(Type.String(), Type.String({ pattern: '^(ordered|unordered|keyed:[A-Za-z_][A-Za-z0-9_]*)$', errorMessage: 'must be ordered, unordered or keyed:<field>' }), {
      default: {},
      propertyNames: { fieldPath: true },
      description: 'How arrays at these field paths are compared: ordered, unordered or keyed:<field>.',
    }),
    tolerance: Type.Record(Type.String(), tolerance, { default: {}, propertyNames: { fieldPath: true }, description: 'Numeric tolerance at these field paths.' }),
    numbers: Type.Unsafe<'value' | 'literal'>({
      type: 'string',
      enum: ['value', 'literal'],
      default: D.DEFAULT_NUMBER_COMPARISON,
      description: 'JSON numbers compared as numbers (value: 1.0 equals 1) or as written (literal); big integers stay exact either way.',
    }),
  },
  'How the pairs of this route are compared.',
)

const routeRecheck = section(
  {
    enabled: Type.Boolean({ default: false, description: 'Re-check suspect mismatches of safe requests against both upstreams before they count.' }),
    delay: Type.Optional(Type.Unsafe<string | number>({ type: ['string', 'number'], pattern: DURATION_PATTERN, duration: { min: 1 }, errorMessage: DURATION_MESSAGE, description: 'First re-check delay (default: max(1s, 2 × the route\'s recent shadow latency)).' })),
    secondDelay: duration(D.DEFAULT_RECHECK_SECOND_DELAY_MS, { min: 1 }, 'Second re-check delay.'),
    maxShare: Type.Number({ minimum: 0, maximum: 1, default: D.DEFAULT_RECHECK_MAX_SHARE, description: 'Most re-checks as a share (0-1) of the route\'s audited pairs.' }),
    maxRate: Type.Number({ minimum: 0, default: D.DEFAULT_RECHECK_MAX_RATE, description: 'Most re-checks per second for the route.' }),
    headers: Type.Record(Type.String(), Type.String({ pattern: HEADER_VALUE_PATTERN, errorMessage: 'must not contain CR, LF or other control characters (not allowed in an HTTP header value)' }), {
      default: {},
      propertyNames: { pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name' },
      description: 'Headers every re-check sends (credentials the audit never stores).',
    }),
  },
  'Re-checks of suspect mismatches (the moving target).',
)

const routeNoise = section(
  {
    sample: Type.Number({ minimum: 0, maximum: 1, default: D.DEFAULT_NOISE_SAMPLE, description: 'Share (0-1) of audited safe pairs sent twice to the shadow (A/A) to learn noise.' }),
    maxRate: Type.Number({ minimum: 0, default: D.DEFAULT_NOISE_MAX_RATE, description: 'Most A/A samples per second for the route.' }),
  },
  'A/A noise sampling of the new side.',
)

/** `GET {path}`: the read-back request of a replayed write; `{path}` is the write's path (without its query). */
const verifyRead = Type.String({ pattern: '^GET +(/|\\{path\\})\\S*$', errorMessage: 'must be a read-back request such as "GET {path}" or "GET /items/{path}"' })

const writeVerifyObject = Type.Object(
  {
    status: Type.Optional(Type.Boolean({ description: 'Compare the replayed status with the logged one (default true).' })),
    read: Type.Optional(verifyRead),
    delay: Type.Optional(
      Type.Unsafe<string | number>({
        type: ['string', 'number'],
        pattern: DURATION_PATTERN,
        duration: { min: 0, max: 600_000 },
        description: `Wait after a replayed write before both sides are read back, so lag behind the write settles (default ${D.DEFAULT_WRITE_VERIFY_DELAY_MS}ms).`,
        errorMessage: DURATION_MESSAGE,
      }),
    ),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000, description: `Read-backs in flight per replayer (default ${D.DEFAULT_WRITE_VERIFY_CONCURRENCY}); past it a read-back is counted as not verified, never waited for.` })),
  },
  { additionalProperties: false },
)

const routeWrites = Type.Object(
  {
    stage: Type.Unsafe<WriteStage>({
      type: 'string',
      enum: [...WRITE_STAGES],
      default: D.DEFAULT_WRITE_STAGE,
      description: 'The write stage at start (old, record, replay, final); at run time it lives in Redis (shadowgate writes stage).',
    }),
    methods: methodList(D.DEFAULT_WRITE_METHODS, 'Methods recorded in the write log.'),
    maxBodyBytes: count(D.DEFAULT_WRITE_MAX_BODY_BYTES, 0, 'Largest request body recorded; larger writes are still served and counted in a gap.', 64 * 1_048_576),
    headers: headerList(D.DEFAULT_WRITE_HEADERS, 'Request headers recorded and replayed; Authorization only when listed.'),
    partitionBy: Type.Optional(
      Type.String({
        pattern: `^(param:.+|header:${HEADER_NAME_PATTERN.slice(1, -1)})$`,
        errorMessage: 'must be param:<name> (a parameter of match) or header:<name> (a valid header name)',
        description: 'What orders the writes: param:<name> (a parameter of match) or header:<name>; writes of one key keep their order.',
      }),
    ),
    // No schema default: it depends on partitionBy (8 with it, 1 without).
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: D.MAX_WRITE_PARTITIONS, description: `Streams of the route's write log (default: ${D.DEFAULT_WRITE_PARTITIONS} with partitionBy, else 1).` })),
    appendTimeout: duration(D.DEFAULT_WRITE_APPEND_TIMEOUT_MS, { min: 1, max: 10_000 }, 'Longest wait for Redis before a write is forwarded unlogged (and counted in a gap).'),
    maxPendingEntries: count(D.DEFAULT_WRITE_MAX_PENDING_ENTRIES, 1, 'Entries a partition may hold unreplayed; past it writes are counted in a gap.'),
    idempotencyHeader: Type.String({ pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name', default: D.DEFAULT_IDEMPOTENCY_HEADER, description: 'Header carrying the idempotency key of an entry to both sides.' }),
    unknownAfter: duration(D.DEFAULT_WRITE_UNKNOWN_AFTER_MS, { min: 1 }, 'An intent without an outcome after this long is unknown: held back until acknowledged.'),
    maxAttempts: count(D.DEFAULT_WRITE_MAX_ATTEMPTS, 1, 'Replay attempts per entry on a 5xx or timeout before it is parked.', 100),
    replayTimeout: duration(D.DEFAULT_WRITE_REPLAY_TIMEOUT_MS, { min: 1 }, 'Longest wait for the answer to a replayed write.'),
    // No schema default for the object form's keys: defaults inside an anyOf are not applied (validate-config.ts fills them).
    verify: Type.Union([Type.Boolean(), verifyRead, writeVerifyObject], {
      default: true,
      errorMessage: 'must be true, false, a read-back request such as "GET {path}", or a mapping with status, read, delay and concurrency',
      description:
        'Audit of each replayed write: true compares its status with the logged one; "GET {path}" also reads the resource back from both sides after verify.delay and compares the JSON bodies; false: none.',
    }),
    maxLagForCutover: duration(D.DEFAULT_WRITE_MAX_LAG_FOR_CUTOVER_MS, { min: 0 }, 'A cut-over to final is refused unless the replay lag (seconds behind) has stayed below this for lagStableFor.'),
    lagStableFor: duration(D.DEFAULT_WRITE_LAG_STABLE_FOR_MS, { min: 0 }, 'How long the replay lag must have stayed below maxLagForCutover before a cut-over to final.'),
    reverse: Type.Boolean({ default: true, description: "In stage final, log the new side's writes for replay to the old side." }),
  },
  { additionalProperties: false, description: "The route's write log (Redis Streams) and its replay to the other side; needs a shadow." },
)

const G = D.DEFAULT_GATE
const fraction = (def: number, description: string) => Type.Number({ minimum: 0, maximum: 1, default: def, description })

const routeGate = Type.Object(
  {
    auto: Type.Boolean({ default: G.auto, description: 'Whether the gate acts; false only reports what it would do.' }),
    autoPromote: Type.Boolean({ default: G.autoPromote, description: 'After the last step: move the route to final (true) or propose it (false).' }),
    interval: duration(G.intervalMs, { min: 100 }, 'Window length; gateways and workers count per window.'),
    minComparisons: count(G.minComparisons, 1, 'Judged pairs below which a window is inconclusive.'),
    maxMismatchRate: fraction(G.maxMismatchRate, 'Mismatches over judged pairs (0-1) above which a window fails.'),
    max5xxRate: fraction(G.max5xxRate, "Floor of the new side's 5xx rate (0-1) a window may reach: it fails above max(max5xxRate, max5xxFactor × the old side's)."),
    max5xxFactor: Type.Number({ minimum: 1, maximum: 100, default: G.max5xxFactor, description: "Factor of the old side's 5xx rate the new side's may reach." }),
    abort5xxRate: fraction(G.abort5xxRate, 'New-side 5xx rate (0-1) that rolls back in one window.'),
    maxLatencyFactor: Type.Number({ minimum: 1, maximum: 100, default: G.maxLatencyFactor, description: "A window fails when the new side's p99 > maxLatencyFactor × the old side's p99 + latencySlack." }),
    latencySlack: duration(G.latencySlackMs, { min: 0 }, "Slack added to the old side's p99 times maxLatencyFactor."),
    failureLimit: count(G.failureLimit, 1, 'Failing windows in a row that roll the route back.', 1_000),
    inconclusiveLimit: count(G.inconclusiveLimit, 1, 'Inconclusive windows in a row that hold the route and say so.', 1_000),
    // Order and range of the steps are a cross-key rule (cross-key-rules.ts), for messages naming the step.
    steps: Type.Array(Type.Number(), { default: [...G.steps], description: 'Serve percents the canary moves through: 1 to 100 of them, strictly increasing, each above 0 and at most 100.' }),
    stepMinDuration: duration(G.stepMinDurationMs, { min: 0 }, 'Shortest run of passing windows before a step.'),
    stepMinComparisons: count(G.stepMinComparisons, 0, 'Judged pairs that run needs.'),
    webhook: Type.Optional(upstream('http(s) URL POSTed JSON on every rollback, step, promotion and proposal.')),
    webhookTimeout: duration(G.webhookTimeoutMs, { min: 1, max: 60_000 }, 'Bound on each webhook call.'),
  },
  { additionalProperties: false, description: "The gate: judges the canary window by window and steps the serve percent up, rolls back or promotes; needs a new side." },
)

const route = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', errorMessage: 'must be 1-64 characters of letters, digits, "_", "-" or "."', description: 'Unique name, used in metrics and the admin API.' }),
    match: Type.String({ routeTemplate: true, description: 'Path template such as /products/:id or /static/*.' }),
    methods: Type.Optional(methodList(undefined, 'Methods this rule matches (default: every method).')),
    old: Type.Optional(upstream('Old side of this route\'s migration, the upstream that serves today (default: the top-level primary). Alias: primary.')),
    new: Type.Optional(upstream('New side of this route\'s migration (default: the top-level shadow). Alias: shadow.')),
    primary: Type.Optional(upstream('Primary upstream of this route (default: the top-level primary); an alias of old.')),
    shadow: Type.Optional(upstream('Shadow upstream of this route (default: the top-level shadow); an alias of new.')),
    stage: Type.Unsafe<MigrationStage>({
      type: 'string',
      enum: [...MIGRATION_STAGES],
      default: DEFAULT_STAGE,
      description: 'Migration stage at start when the runtime store holds none: passthrough (old serves, nothing copied), shadow (old serves, a share copied to new), canary (serve.percent of reads served by new, old as its copy), final (new serves, a share copied to old). canary and final need new.',
    }),
    serve: section(
      {
        percent: percent(0, 'Share of reads (0-100, fractional allowed) served by the new side while the route is in canary.'),
      },
      'What the new side serves in canary (the starting value; at run time it is runtime state).',
    ),
    mirror: routeMirror,
    audit: routeAudit,
    recheck: routeRecheck,
    noise: routeNoise,
    writes: Type.Optional(routeWrites),
    gate: Type.Optional(routeGate),
    readOnly: Type.Boolean({ default: false, description: 'The route only reads: writes (POST, PUT, PATCH, DELETE) seen on it are shown in the access audit.' }),
    slowThreshold: Type.Unsafe<string | number>({
      type: ['string', 'number'],
      pattern: SLOW_THRESHOLD_PATTERN,
      default: D.DEFAULT_SLOW_THRESHOLD,
      description: "A request whose primary or shadow takes longer is logged as slow: a duration (10s) or a factor of the route's recent p99 (2x).",
      errorMessage: "must be a duration such as 10s or a factor of the route's recent p99 such as 2x",
    }),
  },
  { additionalProperties: false },
)

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
    routes: Type.Array(route, { default: [], description: 'Routes, first match wins.', errorMessage: 'must be a list' }),
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
