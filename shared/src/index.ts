export { ShadowgateError, ConfigError, JobSchemaError, JobVersionError, PathSyntaxError } from './errors.js'
export type { ConfigIssue } from './errors.js'
export {
  AUDIT_QUEUE_NAME,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_CLUSTER_REDIS_PREFIX,
  prefixHashTag,
  runtimeSettingsKey,
  runtimeChannel,
  mismatchIndexKey,
  mismatchGroupKey,
  mismatchSamplesKey,
  writeStagesKey,
  writeStagesChannel,
  writeStreamKey,
  writeLagBreachKey,
  writeOutcomesKey,
  writeAttentionKey,
  writeAcksKey,
  writeCountersKey,
  writeLeaseKey,
  WRITE_REPLAY_GROUP,
  slowLogKey,
  migrationLogKey,
  gateFiguresKey,
  gateFiguresTtlMs,
  gateLastKey,
  gateLeaseKey,
  gateWindowStart,
  auditBatchKey,
} from './queue-names.js'
export { RECORD_LAG_BREACH_SCRIPT, lagBreachTtlMs, streamIdTime } from './write-lag-breach.js'
export { WRITE_STAGES, WRITE_GAP_REASONS, NO_ANSWER_STATUS, isWriteStage, encodeWriteEntry, decodeWriteEntry, encodeWriteOutcome, decodeWriteOutcome } from './write-entry.js'
export type { WriteStage, WriteSide, WriteGapReason, WriteIntent, WriteGap, WriteLogEntry, MalformedWriteEntry, WriteOutcome } from './write-entry.js'
export { DEFAULT_FINAL_MIRROR_PERCENT, DEFAULT_STAGE, MIGRATION_STAGES, isMigrationStage } from './migration-stage.js'
export type { MigrationStage, ServedSide } from './migration-stage.js'
export { formatPath, formatCollapsedPath, parsePathPattern, pathMatches, pathMatchesExactly } from './path-grammar.js'
export type { PathSegment, PathPattern, PatternSegment } from './path-grammar.js'
export { AUDIT_JOB_VERSION, BINARY_BODY_ENCODINGS, SAME_AS_PRIMARY, UPSTREAM_ERROR_KINDS, checkAuditJob, isBinaryBody, parseAuditJob, withTextBodies } from './job-schema.js'
export type {
  AuditJob,
  BinaryEncodedBody,
  CapturedError,
  CapturedHeaders,
  CapturedOutcome,
  CapturedRequest,
  CapturedResponse,
  EncodedBody,
  TextEncodedBody,
  UpstreamErrorKind,
} from './job-schema.js'
export {
  AUDIT_BATCH_BYTES_TTL_MS,
  AUDIT_BATCH_FORMAT,
  AUDIT_BATCH_FORMATS,
  AUDIT_BATCH_JOB_NAME,
  AUDIT_BATCH_VERSION,
  AUDIT_JSON_BATCH_VERSION,
  AUDIT_MAX_BATCH_PAIRS,
  AUDIT_PAIR_JOB_NAME,
  auditBatchClaimedPairs,
  auditBatchEnvelope,
  auditBatchPairs,
  isAuditBatch,
  packAuditBatch,
  parseAuditBatch,
  parseBatchPair,
} from './audit-batch.js'
export type { AuditBatch, JsonAuditBatch } from './audit-batch.js'
export { decodeAuditBatch } from './audit-batch-codec.js'
export type { AuditBatchCodec } from './audit-batch-codec.js'
export { AUDIT_BATCH_CODEC, AUDIT_BATCH_CODEC_V1, AuditBatchWriter, GZIP_CODE, PAIR_OVERHEAD, RAW_CODE, SAME_AS_PRIMARY_CODE, encodeAuditBatch } from './audit-batch-writer.js'
export { REDACTED, headerRedactionName, queryParamBaseName, queryRedactionNames, redactPathParameters, redactQueryString } from './redact-query.js'
export { hostHeaderName, hostOriginRefusal, isLoopbackAddress } from './host-origin-policy.js'
export type { HostOriginRefusal, HostOriginRequest, HostOriginRules } from './host-origin-policy.js'
export { cliErrorLine, colorEnabled, packageVersion } from './cli-conventions.js'
export type { CliErrorKind } from './cli-conventions.js'
export { maskUrlCredentials } from './config/mask-url-credentials.js'
export { reconnectDelay, redisClientPlan, redisTarget } from './redis-client-plan.js'
export type { RedisClientPlan, RedisClientTuning, RedisNodeAddress, RedisNodeOptions } from './redis-client-plan.js'
export { UniqueClock } from './unique-clock.js'
export { WakeableSleep } from './wakeable-sleep.js'
export { UNKNOWN_ROUTE_RULES, auditRulesFingerprint } from './audit-rules-fingerprint.js'
export { stickyBucket } from './sticky-bucket.js'
export { MAX_TIMER_MS, formatDurationBound, parseDuration } from './duration.js'
export { logSafeError } from './log-safe-error.js'
export { bearerAccessAllowed, bearerToken, tokenMatches } from './bearer-access.js'
export type { LoggedError } from './log-safe-error.js'
export { compileRouteTemplate, routeTemplateError } from './route-template.js'
export type { RouteTemplate } from './route-template.js'
export { interpolateEnv, referencedEnvNames } from './config/interpolate-env.js'
export { validateConfig } from './config/validate-config.js'
export { parseConfig } from './config/parse-config.js'
export { shadowgateConfigSchema, MIN_TOKEN_LENGTH } from './config/config-schema.js'
export type { ShadowgateConfigFile } from './config/config-schema.js'
export { CONFIG_JSON_SCHEMA_FILE, configJsonSchema, configJsonSchemaText } from './config/config-json-schema.js'
export { isLoopbackHost } from './config/cross-key-rules.js'
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
  DEFAULT_MAX_AMPLIFICATION,
  DEFAULT_LOAD_INTERVAL_MS,
  DEFAULT_LOAD_MAX_DURATION_MS,
  MAX_LOAD_DURATION_MS,
  DEFAULT_AUDIT_PERCENT,
  DEFAULT_COMPARE_HEADERS,
  DEFAULT_NUMBER_COMPARISON,
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
  DEFAULT_RECHECK_MIN_DELAY_MS,
  DEFAULT_WRITE_STAGE,
  DEFAULT_WRITE_METHODS,
  DEFAULT_WRITE_MAX_BODY_BYTES,
  DEFAULT_WRITE_HEADERS,
  DEFAULT_WRITE_PARTITIONS,
  MAX_WRITE_PARTITIONS,
  DEFAULT_WRITE_APPEND_TIMEOUT_MS,
  DEFAULT_WRITE_MAX_PENDING_ENTRIES,
  DEFAULT_IDEMPOTENCY_HEADER,
  DEFAULT_WRITE_UNKNOWN_AFTER_MS,
  DEFAULT_WRITE_MAX_ATTEMPTS,
  DEFAULT_WRITE_REPLAY_TIMEOUT_MS,
  DEFAULT_GATE,
  DEFAULT_CUTOVER_ACK_TIMEOUT_MS,
  DEFAULT_CUTOVER_MAX_PAUSE_MS,
  DEFAULT_CUTOVER_MIN_TIME_BETWEEN_FLIPS_MS,
} from './config/defaults.js'
export type {
  AdminConfig,
  CutoverConfig,
  ArrayMode,
  ArrayRule,
  AuditProducerConfig,
  AuditWorkerConfig,
  CircuitBreakerConfig,
  HeaderRewrites,
  InfluxConfig,
  ListenConfig,
  MirrorDefaults,
  LoadConfig,
  OperatorListenConfig,
  NumberComparison,
  PartitionKey,
  ProxyConfig,
  RedisConfig,
  SingleRedisConfig,
  ClusterRedisConfig,
  SentinelRedisConfig,
  RouteAuditConfig,
  RouteConfig,
  RouteGateConfig,
  RouteMirrorConfig,
  RouteNoiseConfig,
  RouteRecheckConfig,
  RouteWritesConfig,
  WriteVerifyRead,
  RouteServeConfig,
  ShadowgateConfig,
  StickyKey,
  ToleranceRule,
  WorkerHttpConfig,
  AccessConfig,
  AccessLogConfig,
  SlowLogConfig,
  SlowThreshold,
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
export {
  CUTOVER_REQUEST_GIVEN_UP,
  CUTOVER_REQUEST_TTL_MS,
  cutoverRequestClaimKey,
  cutoverRequestOutcomeKey,
  cutoverRequestQueueKey,
  isCutoverRequestId,
  parseCutoverRequest,
  parseCutoverRequestOutcome,
} from './cutover-request.js'
export type { CutoverRequestMessage, CutoverRequestOutcome } from './cutover-request.js'
