import type { TestInflux } from '@shadowgate/dev-helpers'
import { E2E_DB } from './e2e-stack.js'

/**
 * Runs an InfluxQL aggregate grouped by tags and keys its single value by the tag values joined
 * with "/", in the order of `tags`: `{ "price/mismatch": 7 }`.
 */
export async function countBy(influx: TestInflux, q: string, tags: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const s of await influx.query(q, E2E_DB)) out[tags.map((t) => s.tags?.[t] ?? '').join('/')] = Number(s.values[0]?.[1])
  return out
}

/** The values of one tag key in a measurement, sorted. */
export async function tagValues(influx: TestInflux, measurement: string, key: string): Promise<string[]> {
  const series = await influx.query(`SHOW TAG VALUES FROM "${measurement}" WITH KEY = "${key}"`, E2E_DB)
  return series.flatMap((s) => s.values.map((v) => String(v[s.columns.indexOf('value')]))).sort()
}

/** One number from a query without GROUP BY (0 when there is no series). */
export async function single(influx: TestInflux, q: string): Promise<number> {
  const series = await influx.query(q, E2E_DB)
  return Number(series[0]?.values[0]?.[1] ?? 0)
}
