import { Point } from '@influxdata/influxdb-client'
import type { FieldDifference } from '../verdict/verdict.js'
import { FIELD_DIFF_MEASUREMENT } from '@shadowgate/influx'

/**
 * The `shadowgate_field_diff` points of one pair: one per distinct (path, kind). `pairs` is always 1
 * (this pair differs there), so `sum("pairs")` counts pairs like every other panel; `elements` is the
 * number of differences that share it (`$.items[*].price` changed in 3 items → elements 3). `pathTag`
 * maps a collapsed path to its tag value (the path itself, or `(other)` beyond the per-route bound);
 * the elements of paths mapped to the same tag add up. All points carry the pair's time, so a re-run
 * rewrites them.
 */
export function fieldDiffPoints(route: string, differences: readonly FieldDifference[], pathTag: ReadonlyMap<string, string>, timestampNs: string): Point[] {
  const counts = new Map<string, { path: string; kind: string; count: number }>()
  for (const d of differences) {
    const path = pathTag.get(d.path) ?? d.path
    const key = `${d.kind}\u0000${path}`
    const c = counts.get(key)
    if (c) c.count++
    else counts.set(key, { path, kind: d.kind, count: 1 })
  }
  return [...counts.values()].map((c) =>
    new Point(FIELD_DIFF_MEASUREMENT).tag('route', route).tag('path', c.path).tag('kind', c.kind).intField('pairs', 1).intField('elements', c.count).timestamp(timestampNs),
  )
}
