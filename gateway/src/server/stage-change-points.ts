import { stagePoint, type PointSink } from '@shadowgate/influx'
import type { StageChange } from '../runtime/stage-move.js'

/**
 * Records each stage change this instance makes as a `shadowgate_stage` point. Fire-and-forget into
 * the writer's bounded buffer: InfluxDB being down never fails or delays a stage change (the change
 * log in Redis has it too).
 */
export function stageChangePoints(writer: PointSink, instance: string): (change: StageChange) => void {
  return (c) =>
    writer.write([
      stagePoint({
        route: c.route,
        action: c.action,
        from: c.from.stage,
        stage: c.to.stage,
        servePercent: c.to.serve,
        mirrorPercent: c.to.mirror,
        instance,
        who: c.by,
        reason: c.reason,
        at: c.at,
      }),
    ])
}
