import { Point } from '@influxdata/influxdb-client'
import { CUTOVER_MEASUREMENT, routeTag } from './measurements.js'

/** One cut-over of a route, as the gateway that coordinated it records it. */
export interface CutoverPointInput {
  readonly route: string
  /** `committed` or `aborted`. */
  readonly outcome: string
  readonly epoch: number
  readonly pauseP50Ms: number
  readonly pauseP99Ms: number
  readonly pauseMaxMs: number
  readonly held: number
  /** The coordinating gateway instance: the `instance` tag. */
  readonly instance: string
  /** Epoch ms of the decision. */
  readonly at: number
}

const finite = (n: number): number => (Number.isFinite(n) ? n : 0)

/** The `shadowgate_cutover` point of a cut-over (tags route, outcome, instance; pause figures as fields). */
export function cutoverPoint(input: CutoverPointInput): Point {
  return new Point(CUTOVER_MEASUREMENT)
    .tag('route', routeTag(input.route))
    .tag('outcome', input.outcome === 'committed' ? 'committed' : 'aborted')
    .tag('instance', input.instance)
    .intField('epoch', Math.trunc(finite(input.epoch)))
    .floatField('pause_p50_ms', finite(input.pauseP50Ms))
    .floatField('pause_p99_ms', finite(input.pauseP99Ms))
    .floatField('pause_max_ms', finite(input.pauseMaxMs))
    .intField('held', Math.trunc(finite(input.held)))
    .timestamp(`${Math.floor(input.at)}000000`)
}
