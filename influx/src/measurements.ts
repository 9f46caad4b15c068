/**
 * InfluxDB measurement names. They are a contract: dashboards and users query them, so renaming
 * one is a breaking change (the README lists every tag and field).
 */
/**
 * Version of the tags and fields written to these measurements (README, InfluxDB schema). 2: every
 * `shadowgate_audit` point has `judged`, `mismatch` only judged ones; `shadowgate_field_diff` has
 * `pairs` and `elements` instead of `count`.
 */
export const INFLUX_SCHEMA_VERSION = 2

export const AUDIT_MEASUREMENT = 'shadowgate_audit'
export const FIELD_DIFF_MEASUREMENT = 'shadowgate_field_diff'
export const GATEWAY_MEASUREMENT = 'shadowgate_gateway'
export const LOAD_MEASUREMENT = 'shadowgate_load'
/** Replay progress per route: lag in entries and seconds, replayed/failed/skipped/gaps per window. */
export const REPLAY_MEASUREMENT = 'shadowgate_replay'
/** One point per replayed write: the new side's status against the one the log recorded. */
export const REPLAY_AUDIT_MEASUREMENT = 'shadowgate_replay_audit'
/** Who calls what: requests per window by route, caller, method and status class (gateway). */
export const ACCESS_MEASUREMENT = 'shadowgate_access'
/** Slow requests per window by route and side (gateway). */
export const SLOW_MEASUREMENT = 'shadowgate_slow'
/** Per-route state each window: the effective mirror percent (gateway). */
export const ROUTE_MEASUREMENT = 'shadowgate_route'
/** One point per migration stage change, written by the gateway that made it. */
export const STAGE_MEASUREMENT = 'shadowgate_stage'
/** One point per cut-over (committed or aborted), written by the gateway that coordinated it. */
export const CUTOVER_MEASUREMENT = 'shadowgate_cutover'
/** The gate's decisions, one point per judged window or action (audit-service gate/). */
export const GATE_MEASUREMENT = 'shadowgate_gate'

/** Tag value that stands for the paths beyond worker.maxPathsPerRoute. */
export const OTHER_PATH = '(other)'

const METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'CONNECT'])

/** A method as a tag value: the standard ones as they are, anything else `OTHER` (never a raw client value). */
export function methodTag(method: unknown): string {
  const up = typeof method === 'string' ? method.toUpperCase() : ''
  return METHODS.has(up) ? up : 'OTHER'
}

const ROUTE_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/** A route name as a tag value: route names follow the config grammar; anything else is `(invalid)`. */
export function routeTag(route: unknown): string {
  return typeof route === 'string' && ROUTE_NAME.test(route) ? route : '(invalid)'
}
