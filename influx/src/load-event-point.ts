import { Point } from '@influxdata/influxdb-client'
import { LOAD_MEASUREMENT, routeTag } from './measurements.js'

/** step: the ramp reached a percent; stop: it ended (`load stop`, max duration); brake: a brake ended it. */
export type LoadEventKind = 'step' | 'stop' | 'brake'

/** One event of a load ramp, as `shadowgate_load` stores it. */
export interface LoadEvent {
  readonly route: string
  readonly event: LoadEventKind
  /** The ramp's percent at the event (for a stop or brake: the percent it had reached). */
  readonly percent: number
  readonly reason: string
  readonly p99Ms: number | null
  readonly errorRate: number | null
  /** Epoch ms of the event: the step's start, or the stored stop time. */
  readonly at: number
}

/**
 * A `shadowgate_load` point (tags route, event; fields percent, reason, p99_ms, error_rate). Its time
 * comes from the ramp's stored schedule, not from the writer's clock, so every gateway that writes
 * the same event writes the same point and InfluxDB keeps one.
 */
export function loadEventPoint(e: LoadEvent): Point {
  const p = new Point(LOAD_MEASUREMENT).tag('route', routeTag(e.route)).tag('event', e.event).floatField('percent', e.percent).stringField('reason', e.reason)
  if (e.p99Ms !== null && Number.isFinite(e.p99Ms)) p.floatField('p99_ms', e.p99Ms)
  if (e.errorRate !== null && Number.isFinite(e.errorRate)) p.floatField('error_rate', e.errorRate)
  return p.timestamp(`${Math.floor(e.at)}000000`)
}
