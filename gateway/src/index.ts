// Public API of @shadowgate/gateway. Named exports only; everything else is internal.

// Building blocks: the gateway app, the mirror plugin and the http-proxy adapter.
export { buildGateway } from './build-gateway.js'
export type { BuildGatewayOptions } from './gateway-options.js'
export { mirror } from './mirror/mirror-plugin.js'
export type { MirrorPluginOptions, MirrorDecorator } from './mirror/mirror-plugin.js'
export { proxy } from './proxy/proxy-plugin.js'
export type { ProxyPluginOptions } from './proxy/proxy-plugin.js'
export { attachMirror } from './http-proxy/attach-mirror.js'
export type { AttachMirrorOptions, MirrorAttachment } from './http-proxy/attach-mirror.js'
export type { MirrorStats, ShadowStats } from './mirror/mirror-core.js'
export { MIRROR_MARKER_HEADER } from './mirror/mirror-marker.js'
export type { MirrorPair, MirroredRequest, ObservedResponse, ObservedFailure, ObservedOutcome, PairSink } from './mirror/mirror-pair.js'
export { UNMATCHED_ROUTE } from './routes/route-table.js'
export { StaticRouteSettings } from './routes/static-route-settings.js'
export type { RouteSettingsSource } from './runtime/route-settings-source.js'
export { GatewayMetrics } from './metrics/gateway-metrics.js'
export type { RouteCounters, CircuitState } from './metrics/gateway-metrics.js'
export { FaultCounters } from './metrics/fault-counters.js'

// Runtime control and the admin API.
export { RuntimeSettings } from './runtime/runtime-settings.js'
export type { RouteRuntimeView, MirrorChange, RuntimeSettingsOptions } from './runtime/runtime-settings.js'
export { createRedisClient } from './create-redis-client.js'
export type { RedisClient } from './create-redis-client.js'
export { RedisRuntimeStore, DEFAULT_RUNTIME_POLL_MS } from './runtime/redis-runtime-store.js'
export type { RedisRuntimeStoreOptions } from './runtime/redis-runtime-store.js'
export type { RuntimeStore, RuntimeStoreSink, RuntimeChangeSource } from './runtime/runtime-store.js'
export { MAX_MIRROR_TTL_MS } from './runtime/mirror-ttl.js'
export { buildAdmin } from './admin/build-admin.js'
export type { BuildAdminOptions } from './admin/build-admin.js'

// Audit capture.
export { AuditProducer, AUDIT_RETRY_UNKNOWN_MS } from './capture/audit-producer.js'
export type { AuditProducerDeps } from './capture/audit-producer.js'
export type { AuditProducerStats } from './capture/audit-counters.js'
export { AUDIT_DROP_REASONS } from './capture/audit-drop-reason.js'
export type { AuditDropReason } from './capture/audit-drop-reason.js'

// The service.
export { createGatewayService } from './server/gateway-service.js'
export type { GatewayService, GatewayServiceOptions, GatewayServiceAddresses } from './server/gateway-service.js'
export type { CutoverPrecondition, CutoverPreconditionContext, CutoverPreconditionResult, CutoverRequest } from './cutover/cutover-coordinator.js'
export { composePreconditions } from './cutover/cutover-coordinator.js'
export { WriteCutoverCheck } from './cutover/write-cutover-check.js'
export type { CutoverOutcome } from './cutover/cutover-outcome.js'
export { CutoverRequestRunner } from './cutover/cutover-request-runner.js'
export type { CutoverRequestRunnerOptions, CutoverRunner } from './cutover/cutover-request-runner.js'

export {
  GatewayError,
  UpstreamUnavailableError,
  UpstreamTimeoutError,
  AdminUnauthorizedError,
  UnknownRouteError,
  InvalidSettingError,
  PercentAboveMaximumError,
  InvalidLoadRampError,
  LoadRampNoShadowError,
  LoadRampActiveError,
  RuntimeStoreUnavailableError,
  AdminNotFoundError,
  AuditEnqueueError,
  AuditEnqueueUnknownError,
  InvalidRequestTargetError,
  AmbiguousRequestError,
  AdminHostNotAllowedError,
  AdminOriginNotAllowedError,
  AdminBadUrlError,
  AdminUrlTooLongError,
  AdminBodyTooLargeError,
  AdminUnsupportedMediaTypeError,
  WriteEntryNotFoundError,
  UnknownStageError,
  InvalidServePercentError,
  StageNeedsRedisError,
  StageConflictError,
  NoStageToRollBackError,
  CutoverInProgressError,
  CutoverTooSoonError,
  CutoverFromPassthroughError,
  CutoverStageError,
} from './errors.js'
