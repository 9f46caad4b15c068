// `@shadowgate/gateway/http-proxy`: the mirror for an existing node-http-proxy server.
// Loading it loads neither Fastify's gateway app, the audit producer nor InfluxDB.
export { attachMirror } from './attach-mirror.js'
export type { AttachMirrorOptions, MirrorAttachment } from './attach-mirror.js'
export type { MirrorStats, ShadowStats } from '../mirror/mirror-core.js'
export { MIRROR_MARKER_HEADER } from '../mirror/mirror-marker.js'
export type { MirrorPair, MirroredRequest, ObservedResponse, ObservedFailure, ObservedOutcome, PairSink } from '../mirror/mirror-pair.js'
