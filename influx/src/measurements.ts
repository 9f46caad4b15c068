/**
 * InfluxDB measurement names. They are a contract: dashboards and users query them, so renaming
 * one is a breaking change (the README lists every tag and field).
 */
export const AUDIT_MEASUREMENT = 'shadowgate_audit'
export const FIELD_DIFF_MEASUREMENT = 'shadowgate_field_diff'
export const GATEWAY_MEASUREMENT = 'shadowgate_gateway'
/** One point per migration stage change, written by the gateway that made it. */
export const STAGE_MEASUREMENT = 'shadowgate_stage'
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
