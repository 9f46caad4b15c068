// Public API of @shadowgate/influx: the InfluxDB connection both services use. Named exports only.
export { InfluxWriter } from './influx-writer.js'
export type { InfluxWriterOptions, InfluxWriterStats, ConfirmedWrite } from './influx-writer.js'
export { InfluxV1Transport } from './influx-v1-transport.js'
export { routeInfluxClientLogs } from './route-influx-client-logs.js'
export { GatewayCountersReporter } from './gateway-counters-reporter.js'
export type { GatewayCountersReporterOptions, GatewayCountersSnapshot, RouteMirrorCounters, PointSink } from './gateway-counters-reporter.js'
export { AUDIT_MEASUREMENT, FIELD_DIFF_MEASUREMENT, GATEWAY_MEASUREMENT, REPLAY_MEASUREMENT, REPLAY_AUDIT_MEASUREMENT, INFLUX_SCHEMA_VERSION, OTHER_PATH, methodTag, routeTag } from './measurements.js'
