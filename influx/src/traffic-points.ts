import { Point } from '@influxdata/influxdb-client'
import { ACCESS_MEASUREMENT, ROUTE_MEASUREMENT, SLOW_MEASUREMENT, methodTag } from './measurements.js'

/** One window's requests of a caller to a route, by method and status class. */
export interface AccessCountRow {
  readonly route: string
  readonly caller: string
  readonly method: string
  readonly statusClass: string
  readonly count: number
}

export interface SlowCountRow {
  readonly route: string
  readonly side: string
  readonly count: number
}

/**
 * `shadowgate_access` points (tags route, caller, method, status_class, read_only, instance; field
 * count). `read_only` ("true"/"false") carries the route's config flag, so a panel can pick out
 * writes on read-only routes without knowing the config.
 */
export function accessPoints(rows: readonly AccessCountRow[], instance: string, ts: string, readOnlyRoutes: ReadonlySet<string>): Point[] {
  return rows.map((r) =>
    new Point(ACCESS_MEASUREMENT)
      .tag('route', r.route)
      .tag('caller', r.caller)
      .tag('method', methodTag(r.method))
      .tag('status_class', r.statusClass)
      .tag('read_only', readOnlyRoutes.has(r.route) ? 'true' : 'false')
      .tag('instance', instance)
      .intField('count', r.count)
      .timestamp(ts),
  )
}

/** `shadowgate_slow` points (tags route, side, instance; field count). */
export function slowPoints(rows: readonly SlowCountRow[], instance: string, ts: string): Point[] {
  return rows.map((r) => new Point(SLOW_MEASUREMENT).tag('route', r.route).tag('side', r.side).tag('instance', instance).intField('count', r.count).timestamp(ts))
}

/** `shadowgate_route` points (tags route, instance; field mirror_percent): the effective percent each window. */
export function routePercentPoints(percents: ReadonlyMap<string, number>, instance: string, ts: string): Point[] {
  const out: Point[] = []
  for (const [route, percent] of percents) {
    if (Number.isFinite(percent)) out.push(new Point(ROUTE_MEASUREMENT).tag('route', route).tag('instance', instance).floatField('mirror_percent', percent).timestamp(ts))
  }
  return out
}
