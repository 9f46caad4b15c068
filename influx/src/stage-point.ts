import { Point } from '@influxdata/influxdb-client'
import { STAGE_MEASUREMENT, routeTag } from './measurements.js'

/** One migration stage change of a route, as the gateway that made it records it. */
export interface StagePointInput {
  readonly route: string
  /** `stage` (a move) or `rollback`. */
  readonly action: string
  readonly from: string
  readonly stage: string
  readonly servePercent: number
  readonly mirrorPercent: number
  /** The gateway instance that made the change: the `instance` tag. */
  readonly instance: string
  /** Who asked for it (admin caller). */
  readonly who: string
  readonly reason: string
  /** Epoch ms of the change. */
  readonly at: number
}

/** Stages in order, as numbers: a graph can plot them, and `stage_level` going down is a step back. */
const STAGE_LEVELS: Readonly<Record<string, number>> = { passthrough: 0, shadow: 1, canary: 2, final: 3 }

/**
 * The `shadowgate_stage` point of a stage change (tags route, instance; the rest are fields, so free
 * text such as the reason never becomes a series). Dashboards draw the stage per route over time
 * from `stage` and mark each change from `reason`.
 */
export function stagePoint(input: StagePointInput): Point {
  return new Point(STAGE_MEASUREMENT)
    .tag('route', routeTag(input.route))
    .tag('instance', input.instance)
    .stringField('stage', input.stage)
    .intField('stage_level', STAGE_LEVELS[input.stage] ?? -1)
    .stringField('from', input.from)
    .stringField('action', input.action)
    .floatField('serve_percent', Number.isFinite(input.servePercent) ? input.servePercent : 0)
    .floatField('mirror_percent', Number.isFinite(input.mirrorPercent) ? input.mirrorPercent : 0)
    .stringField('who', input.who)
    .stringField('reason', input.reason)
    .timestamp(`${Math.floor(input.at)}000000`)
}
