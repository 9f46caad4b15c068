import { Point } from '@influxdata/influxdb-client'
import { GATE_MEASUREMENT, routeTag } from '@shadowgate/influx'
import type { GateRecord } from './gate-policy.js'

function optionalFloat(p: Point, name: string, v: number | undefined): void {
  if (v !== undefined && Number.isFinite(v)) p.floatField(name, v)
}

/**
 * The `shadowgate_gate` point of one decision: route, stage and decision as tags (small fixed sets),
 * the reason and the window's figures as fields (a rate without its denominator is left out, never 0).
 */
export function gatePoint(r: GateRecord): Point {
  const p = new Point(GATE_MEASUREMENT)
    .tag('route', routeTag(r.route))
    .tag('stage', r.stage)
    .tag('decision', r.decision)
    .stringField('reason', r.reason)
    .booleanField('acted', r.acted)
    .floatField('serve_percent', r.serve)
    .intField('fail_streak', r.failStreak)
    .intField('inconclusive_streak', r.inconclusiveStreak)
  const f = r.figures
  if (f !== null) {
    p.intField('judged', f.judged).intField('mismatches', f.mismatches).intField('unjudged', f.unjudged)
    p.intField('old_served', f.oldServed).intField('new_served', f.newServed)
    optionalFloat(p, 'mismatch_rate', f.mismatchRate)
    optionalFloat(p, 'old_5xx_rate', f.old5xxRate)
    optionalFloat(p, 'new_5xx_rate', f.new5xxRate)
    optionalFloat(p, 'old_p99_ms', f.oldP99Ms)
    optionalFloat(p, 'new_p99_ms', f.newP99Ms)
  }
  return p.timestamp(`${Math.floor(r.at)}000000`)
}
