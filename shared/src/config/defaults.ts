import type { NumberComparison } from './config-types.js'

/** Every default in one place; the README's config reference lists the same values and why. */
export const DEFAULT_LISTEN_HOST = '0.0.0.0'
export const DEFAULT_LISTEN_PORT = 8080
export const DEFAULT_ADMIN_HOST = '127.0.0.1'
export const DEFAULT_ADMIN_PORT = 9901
export const DEFAULT_HOST_HEADER = 'preserve'
export const DEFAULT_PROXY_TIMEOUT_MS = 30_000
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4_000
export const DEFAULT_CONNECTIONS = 256
/** Slow-header (slowloris) clients are cut after this; well above any real client. */
export const DEFAULT_CLIENT_HEADERS_TIMEOUT_MS = 30_000
/** Node's own default for a whole request; Fastify turns it off, the gateway puts it back. */
export const DEFAULT_CLIENT_REQUEST_TIMEOUT_MS = 300_000
/** As nginx's send_timeout: a client that takes no response bytes for this long is cut. */
export const DEFAULT_CLIENT_WRITE_TIMEOUT_MS = 60_000
export const DEFAULT_MIRROR_PERCENT = 0
export const DEFAULT_MIRROR_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS']
export const DEFAULT_MIRROR_TIMEOUT_MS = 5_000
export const DEFAULT_MAX_IN_FLIGHT = 1_000
export const DEFAULT_MAX_BODY_BYTES = 1_048_576
export const DEFAULT_MAX_SHADOW_RESPONSE_BYTES = 1_048_576
export const DEFAULT_SHADOW_CONNECTIONS = 128
export const DEFAULT_CIRCUIT_FAILURES = 10
/** Runtime percents may reach this many copies per request (1000 %) for load tests. */
export const DEFAULT_MAX_AMPLIFICATION = 10
export const MAX_MAX_AMPLIFICATION = 100
export const DEFAULT_LOAD_INTERVAL_MS = 10_000
export const DEFAULT_LOAD_MAX_DURATION_MS = 30 * 60_000
/** A load ramp is a supervised test, not a standing state: it ends within a day. */
export const MAX_LOAD_DURATION_MS = 86_400_000
export const DEFAULT_CIRCUIT_OPEN_MS = 5_000
export const DEFAULT_AUDIT_PERCENT = 100
export const DEFAULT_COMPARE_HEADERS: readonly string[] = ['content-type']
export const DEFAULT_NUMBER_COMPARISON: NumberComparison = 'value'
export const DEFAULT_MAX_AUDIT_BODY_BYTES = 1_048_576
export const DEFAULT_CAPTURE_REQUEST_HEADERS: readonly string[] = ['content-type', 'accept', 'accept-encoding', 'content-length', 'user-agent']
/** Never stored in clear, whatever the config says. */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie']
export const DEFAULT_REDACT_QUERY: readonly string[] = ['token', 'access_token', 'api_key', 'apikey', 'password', 'secret']
export const DEFAULT_AUDIT_BUFFER_SIZE = 10_000
export const DEFAULT_AUDIT_MAX_BUFFER_BYTES = 64 * 1_048_576
export const DEFAULT_AUDIT_MAX_CAPTURE_BYTES_TOTAL = 64 * 1_048_576
export const DEFAULT_AUDIT_BATCH_SIZE = 100
export const DEFAULT_AUDIT_FLUSH_MS = 50
export const DEFAULT_MAX_QUEUE_DEPTH = 100_000
export const DEFAULT_DEPTH_CHECK_MS = 2_000
export const DEFAULT_COMPRESS_ABOVE_BYTES = 2_048
export const DEFAULT_WORKER_CONCURRENCY = 16
export const DEFAULT_MAX_DECODED_BYTES = 16 * 1_048_576
export const DEFAULT_MAX_JSON_DEPTH = 512
export const DEFAULT_DIFF_TIMEOUT_MS = 2_000
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000
export const DEFAULT_SAMPLES_PER_GROUP = 5
export const DEFAULT_MAX_GROUPS = 1_000
export const DEFAULT_SAMPLE_TTL_MS = 7 * 86_400_000
/** A Redis expiry, not a timer, so it may pass MAX_TIMER_MS; a year keeps it a plain bound. */
export const MAX_SAMPLE_TTL_MS = 365 * 86_400_000
export const DEFAULT_MAX_PATHS_PER_ROUTE = 200
export const DEFAULT_KEEP_FAILED_JOBS = 1_000
export const DEFAULT_INFLUX_MAX_WAIT_MS = 3_600_000
export const DEFAULT_WORKER_HTTP_HOST = '127.0.0.1'
export const DEFAULT_WORKER_HTTP_PORT = 9902
export const DEFAULT_INFLUX_FLUSH_MS = 1_000
export const DEFAULT_INFLUX_BATCH_SIZE = 1_000
export const DEFAULT_INFLUX_MAX_BUFFER_LINES = 100_000
export const DEFAULT_INFLUX_MAX_RETRIES = 5
export const DEFAULT_GATEWAY_WINDOW_MS = 10_000
export const DEFAULT_RECHECK_MIN_DELAY_MS = 1_000
export const DEFAULT_RECHECK_SECOND_DELAY_MS = 10_000
export const DEFAULT_RECHECK_MAX_SHARE = 0.05
export const DEFAULT_RECHECK_MAX_RATE = 10
export const DEFAULT_NOISE_SAMPLE = 0.01
export const DEFAULT_NOISE_MAX_RATE = 5
export const DEFAULT_WRITE_STAGE = 'old' as const
export const DEFAULT_WRITE_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE']
export const DEFAULT_WRITE_MAX_BODY_BYTES = 1_048_576
export const DEFAULT_WRITE_HEADERS: readonly string[] = ['content-type', 'accept']
/** Partitions when partitionBy is set (one stream otherwise). */
export const DEFAULT_WRITE_PARTITIONS = 8
export const MAX_WRITE_PARTITIONS = 256
export const DEFAULT_WRITE_APPEND_TIMEOUT_MS = 50
export const DEFAULT_WRITE_MAX_PENDING_ENTRIES = 1_000_000
export const DEFAULT_IDEMPOTENCY_HEADER = 'idempotency-key'
export const DEFAULT_WRITE_UNKNOWN_AFTER_MS = 60_000
export const DEFAULT_WRITE_MAX_ATTEMPTS = 5
export const DEFAULT_WRITE_REPLAY_TIMEOUT_MS = 10_000
/** Replay lag (seconds behind) below which a route may be cut over, and how long it must have stayed below. */
export const DEFAULT_WRITE_MAX_LAG_FOR_CUTOVER_MS = 1_000
export const DEFAULT_WRITE_LAG_STABLE_FOR_MS = 30_000
/** Read-after-write verify: wait before reading both sides back, and reads in flight per replayer. */
export const DEFAULT_WRITE_VERIFY_DELAY_MS = 500
export const DEFAULT_WRITE_VERIFY_CONCURRENCY = 8
/** A request slower than this (primary or shadow) is logged as slow unless the route says otherwise. */
export const DEFAULT_SLOW_THRESHOLD = '10s'
/** Slow requests kept in Redis per gateway instance. */
export const DEFAULT_SLOW_LOG_SIZE = 1_000
export const DEFAULT_SLOW_LOG_TTL_MS = 86_400_000
/** Distinct callers counted per route and window in shadowgate_access; the rest are `(other)`. */
export const DEFAULT_MAX_CALLERS_PER_ROUTE = 200
export const DEFAULT_CUTOVER_MAX_HELD_REQUESTS = 1_000
export const DEFAULT_CUTOVER_MAX_HELD_BYTES = 32 * 1_048_576
export const DEFAULT_CUTOVER_ACK_TIMEOUT_MS = 500
export const DEFAULT_CUTOVER_MAX_PAUSE_MS = 1_000
export const DEFAULT_CUTOVER_MIN_TIME_BETWEEN_FLIPS_MS = 60_000
/** A hold is a pause of live traffic: longer than this is an outage, not a cut-over. */
export const MAX_CUTOVER_PAUSE_MS = 30_000
/** Gate defaults (routes[].gate); README "The gate" gives the source of each. */
export const DEFAULT_GATE = {
  auto: true,
  autoPromote: false,
  intervalMs: 30_000,
  minComparisons: 200,
  maxMismatchRate: 0.01,
  max5xxRate: 0.02,
  max5xxFactor: 2,
  abort5xxRate: 0.1,
  maxLatencyFactor: 1.2,
  latencySlackMs: 50,
  failureLimit: 3,
  inconclusiveLimit: 3,
  steps: [1, 5, 10, 25, 50, 100],
  stepMinDurationMs: 300_000,
  stepMinComparisons: 1_000,
  webhookTimeoutMs: 5_000,
} as const
