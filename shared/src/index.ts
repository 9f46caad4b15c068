export { ShadowgateError, ConfigError, JobSchemaError, PathSyntaxError } from './errors.js'
export {
  AUDIT_QUEUE_NAME,
  DEFAULT_REDIS_PREFIX,
  runtimeSettingsKey,
  runtimeChannel,
  mismatchIndexKey,
  mismatchGroupKey,
  mismatchSamplesKey,
  migrationLogKey,
  gateFiguresKey,
  gateFiguresTtlMs,
  gateLastKey,
  gateLeaseKey,
  gateWindowStart,
} from './queue-names.js'
export { DEFAULT_FINAL_MIRROR_PERCENT, DEFAULT_STAGE, MIGRATION_STAGES, isMigrationStage } from './migration-stage.js'
export type { MigrationStage, ServedSide } from './migration-stage.js'
export { formatPath, formatCollapsedPath, parsePathPattern, pathMatches, pathMatchesExactly } from './path-grammar.js'
export type { PathSegment, PathPattern, PatternSegment } from './path-grammar.js'
export { AUDIT_JOB_VERSION, SAME_AS_PRIMARY, UPSTREAM_ERROR_KINDS, checkAuditJob, parseAuditJob } from './job-schema.js'
export type {
  AuditJob,
  CapturedError,
  CapturedHeaders,
  CapturedOutcome,
  CapturedRequest,
  CapturedResponse,
  EncodedBody,
  UpstreamErrorKind,
} from './job-schema.js'
export { AUDIT_BATCH_JOB_NAME, AUDIT_BATCH_VERSION, AUDIT_PAIR_JOB_NAME, auditBatchPairs, isAuditBatch, parseAuditBatch, parseBatchPair } from './audit-batch.js'
export type { AuditBatch } from './audit-batch.js'
export { UniqueClock } from './unique-clock.js'
export { stickyBucket } from './sticky-bucket.js'
export { MAX_TIMER_MS, formatDurationBound, parseDuration } from './duration.js'
export { logSafeError } from './log-safe-error.js'
export type { LoggedError } from './log-safe-error.js'
export { compileRouteTemplate, routeTemplateError } from './route-template.js'
export type { RouteTemplate } from './route-template.js'
export { interpolateEnv, referencedEnvNames } from './config/interpolate-env.js'
export { validateConfig } from './config/validate-config.js'
export { parseConfig } from './config/parse-config.js'
export {
  DEFAULT_LISTEN_HOST,
  DEFAULT_LISTEN_PORT,
  DEFAULT_ADMIN_HOST,
  DEFAULT_ADMIN_PORT,
  DEFAULT_HOST_HEADER,
  DEFAULT_PROXY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_CONNECTIONS,
  DEFAULT_CLIENT_HEADERS_TIMEOUT_MS,
  DEFAULT_CLIENT_REQUEST_TIMEOUT_MS,
  DEFAULT_MIRROR_PERCENT,
  DEFAULT_MIRROR_METHODS,
  DEFAULT_MIRROR_TIMEOUT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SHADOW_RESPONSE_BYTES,
  DEFAULT_SHADOW_CONNECTIONS,
  DEFAULT_CIRCUIT_FAILURES,
  DEFAULT_CIRCUIT_OPEN_MS,
  DEFAULT_AUDIT_PERCENT,
  DEFAULT_COMPARE_HEADERS,
  DEFAULT_MAX_AUDIT_BODY_BYTES,
  DEFAULT_CAPTURE_REQUEST_HEADERS,
  ALWAYS_REDACTED_HEADERS,
  DEFAULT_REDACT_QUERY,
  DEFAULT_AUDIT_BUFFER_SIZE,
  DEFAULT_AUDIT_MAX_BUFFER_BYTES,
  DEFAULT_AUDIT_BATCH_SIZE,
  DEFAULT_AUDIT_FLUSH_MS,
  DEFAULT_MAX_QUEUE_DEPTH,
  DEFAULT_DEPTH_CHECK_MS,
  DEFAULT_COMPRESS_ABOVE_BYTES,
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_MAX_DECODED_BYTES,
  DEFAULT_MAX_JSON_DEPTH,
  DEFAULT_DIFF_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_SAMPLES_PER_GROUP,
  DEFAULT_MAX_GROUPS,
  DEFAULT_SAMPLE_TTL_MS,
  DEFAULT_MAX_PATHS_PER_ROUTE,
  DEFAULT_KEEP_FAILED_JOBS,
  DEFAULT_WORKER_HTTP_HOST,
  DEFAULT_WORKER_HTTP_PORT,
  DEFAULT_INFLUX_FLUSH_MS,
  DEFAULT_INFLUX_BATCH_SIZE,
  DEFAULT_INFLUX_MAX_BUFFER_LINES,
  DEFAULT_INFLUX_MAX_RETRIES,
  DEFAULT_GATEWAY_WINDOW_MS,
  DEFAULT_GATE,
} from './config/defaults.js'
export type {
  AdminConfig,
  ArrayMode,
  ArrayRule,
  AuditProducerConfig,
  AuditWorkerConfig,
  CircuitBreakerConfig,
  HeaderRewrites,
  InfluxConfig,
  ListenConfig,
  MirrorDefaults,
  ProxyConfig,
  RedisConfig,
  RouteAuditConfig,
  RouteConfig,
  RouteGateConfig,
  RouteMirrorConfig,
  RouteServeConfig,
  ShadowgateConfig,
  StickyKey,
  ToleranceRule,
} from './config/config-types.js'
export { NOT_MIRRORED_REASONS } from './not-mirrored-reason.js'
export type { NotMirroredReason } from './not-mirrored-reason.js'
export {
  GATE_FIELD_JUDGED,
  GATE_FIELD_MISMATCH,
  GATE_FIELD_UNJUDGED,
  GATE_LATENCY_BUCKETS_MS,
  GATE_STATUS_CLASSES,
  gateLatencyBucket,
  gateLatencyField,
  gateLatencyQuantile,
  gateServedField,
  gateStatusClass,
  gateStatusField,
  parseGateFigures,
} from './gate-figures.js'
export type { GateFigures, GateSideFigures, GateStatusClass } from './gate-figures.js'
export { MIGRATION_LOG_LENGTH, RUNTIME_COMPARE_AND_SET_LUA, runtimeChangeMessage } from './runtime-compare-and-set.js'
export { GATE_FIGURES_FLUSH_MS, GateFiguresBatch, GateFiguresFlusher, writeGateFigures } from './gate-figures-batch.js'
export type { GateFiguresPipeline } from './gate-figures-batch.js'
