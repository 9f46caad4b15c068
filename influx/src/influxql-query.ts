import type { InfluxConfig } from '@shadowgate/shared'
import { InfluxQueryError } from './errors.js'

/** One series of an InfluxQL answer: its GROUP BY tags and its rows, keyed by column. */
export interface InfluxQlSeries {
  readonly tags: Readonly<Record<string, string>>
  readonly rows: readonly Readonly<Record<string, unknown>>[]
}

const QUERY_TIMEOUT_MS = 10_000

/**
 * Runs one InfluxQL SELECT through the `/query` endpoint: InfluxDB 1.x with the config's database,
 * retention policy and user; InfluxDB 2.x/3.x through its InfluxQL compatibility API, with the
 * bucket as the database (it needs the DBRP mapping that the Grafana data source needs too, see
 * grafana/influxdb-init/create-dbrp.sh) and the token. Any failure is an InfluxQueryError naming it.
 */
export async function queryInfluxQl(config: InfluxConfig, query: string): Promise<InfluxQlSeries[]> {
  const params = new URLSearchParams({ q: query, epoch: 'ms' })
  const headers: Record<string, string> = { accept: 'application/json' }
  if (config.version === 1) {
    params.set('db', config.database)
    if (config.retentionPolicy) params.set('rp', config.retentionPolicy)
    if (config.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`
  } else {
    params.set('db', config.bucket)
    headers.authorization = `Token ${config.token}`
  }
  let res: Response
  try {
    res = await fetch(`${config.url}/query?${params.toString()}`, { headers, signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) })
  } catch (err) {
    throw new InfluxQueryError(`InfluxDB at ${config.url} did not answer: ${(err as Error).message}`, { cause: err })
  }
  const text = await res.text().catch(() => '')
  if (!res.ok) throw new InfluxQueryError(`InfluxDB at ${config.url} refused the query (HTTP ${res.status}): ${text.slice(0, 300)}`)
  return parseAnswer(text)
}

function parseAnswer(text: string): InfluxQlSeries[] {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new InfluxQueryError(`InfluxDB answered something that is not JSON: ${text.slice(0, 200)}`)
  }
  const results = (body as { results?: unknown }).results
  if (!Array.isArray(results)) throw new InfluxQueryError('InfluxDB answered without results')
  const out: InfluxQlSeries[] = []
  for (const result of results as { error?: unknown; series?: unknown }[]) {
    if (typeof result?.error === 'string') throw new InfluxQueryError(`InfluxDB: ${result.error}`)
    if (!Array.isArray(result?.series)) continue
    for (const s of result.series as { tags?: unknown; columns?: unknown; values?: unknown }[]) {
      if (!Array.isArray(s?.columns) || !Array.isArray(s.values)) throw new InfluxQueryError('InfluxDB answered a series without columns or values')
      const columns = s.columns.map(String)
      const tags: Record<string, string> = {}
      if (s.tags !== null && typeof s.tags === 'object') for (const [k, v] of Object.entries(s.tags)) tags[k] = String(v)
      const rows = (s.values as unknown[]).filter(Array.isArray).map((values: unknown[]) => Object.fromEntries(columns.map((c, i) => [c, values[i]])))
      out.push({ tags, rows })
    }
  }
  return out
}
