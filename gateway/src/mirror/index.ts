// `@shadowgate/gateway/mirror`: the mirror Fastify plugin and what an embedder needs around it.
// Loading it loads neither the audit producer (BullMQ, ioredis) nor InfluxDB.
export { mirror } from './mirror-plugin.js'
export type { MirrorPluginOptions, MirrorDecorator } from './mirror-plugin.js'
export type { MirrorStats, ShadowStats } from './mirror-core.js'
export { COPY_HEADER, MIRROR_MARKER_HEADER } from './mirror-marker.js'
export type { MirrorPair, MirroredRequest, ObservedResponse, ObservedFailure, ObservedOutcome, PairSink } from './mirror-pair.js'
export { StaticRouteSettings } from '../routes/static-route-settings.js'
export type { RouteSettingsSource } from '../runtime/route-settings-source.js'
export { NOT_MIRRORED_REASONS } from '@shadowgate/shared'
export type { NotMirroredReason } from '@shadowgate/shared'
