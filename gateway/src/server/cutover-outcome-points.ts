import { cutoverPoint, type PointSink } from '@shadowgate/influx'
import type { CutoverOutcome } from '../cutover/cutover-outcome.js'

/**
 * Records each cut-over this instance coordinates as a `shadowgate_cutover` point. Fire-and-forget
 * into the writer's bounded buffer: InfluxDB being down never fails or delays a cut-over.
 */
export function cutoverOutcomePoints(writer: PointSink, instance: string): (outcome: CutoverOutcome) => void {
  return (o) =>
    writer.write([
      cutoverPoint({
        route: o.route,
        outcome: o.outcome,
        epoch: o.epoch,
        pauseP50Ms: o.pauseP50Ms,
        pauseP99Ms: o.pauseP99Ms,
        pauseMaxMs: o.pauseMaxMs,
        held: o.held,
        instance,
        at: o.decidedAt,
      }),
    ])
}
