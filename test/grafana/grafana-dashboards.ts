import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The repository's grafana/ folder. */
export const GRAFANA_DIR = fileURLToPath(new URL('../../grafana/', import.meta.url))
export const DASHBOARD_DIR = `${GRAFANA_DIR}dashboards/`

export interface DatasourceRef {
  readonly type?: string
  readonly uid?: string
}

export interface PanelTarget {
  readonly refId: string
  readonly datasource?: DatasourceRef
  readonly query?: string
  readonly rawQuery?: boolean
  readonly resultFormat?: string
  readonly alias?: string
}

export interface Panel {
  readonly id: number
  readonly type: string
  readonly title: string
  readonly datasource?: DatasourceRef
  readonly targets?: PanelTarget[]
  readonly panels?: Panel[]
  readonly gridPos: { x: number; y: number; w: number; h: number }
  readonly timeFrom?: string
  readonly fieldConfig?: { defaults?: { noValue?: string; unit?: string } }
}

export interface TemplateVariable {
  readonly name: string
  readonly type: string
  readonly query?: string | { query?: string }
  readonly datasource?: DatasourceRef
  readonly multi?: boolean
  readonly includeAll?: boolean
  readonly allValue?: string | null
  readonly current?: { value?: unknown }
}

/** An annotation query (the built-in one has no query). */
export interface Annotation {
  readonly name: string
  readonly datasource?: DatasourceRef
  readonly builtIn?: number
  readonly query?: string
  readonly rawQuery?: boolean
  readonly textColumn?: string
  readonly titleColumn?: string
  readonly tagsColumn?: string
}

export interface Dashboard {
  readonly __inputs?: { name: string; type: string; pluginId: string }[]
  readonly uid: string
  readonly annotations: { list: Annotation[] }
  readonly title: string
  readonly schemaVersion: number
  readonly panels: Panel[]
  readonly templating: { list: TemplateVariable[] }
  readonly time: { from: string; to: string }
}

export interface LoadedDashboard {
  readonly file: string
  readonly dashboard: Dashboard
}

export function loadDashboards(): LoadedDashboard[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(`${DASHBOARD_DIR}${file}`, 'utf8')) as Dashboard }))
}

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])])
}

/** Panels that draw a time axis: their queries must bucket by time($__interval). */
export const TIME_SERIES_PANEL_TYPES = new Set(['timeseries', 'barchart', 'heatmap', 'state-timeline', 'status-history', 'graph'])

/**
 * Variables Grafana defines itself. `$timeFilter`/`$__interval` are the InfluxQL macros; the rest
 * are global variables a query may use.
 */
export const GRAFANA_BUILTINS = new Set([
  'timeFilter',
  '__timeFilter',
  '__interval',
  '__interval_ms',
  'interval',
  '__range',
  '__range_s',
  '__range_ms',
  '__rate_interval',
  '__all',
  '__from',
  '__to',
  '__dashboard',
  '__org',
  '__user',
  '__name',
  '__timezone',
])

/** Variable names referenced in a text as `$name`, `${name}`, `${name:format}` or `[[name]]`. */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>()
  for (const m of text.matchAll(/\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]/g)) {
    names.add(m[1] ?? m[2] ?? m[3] ?? '')
  }
  return [...names]
}

function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
}

/**
 * What Grafana sends for a multi-value variable inside an InfluxQL regex: the selected values,
 * regex-escaped, as an alternation. A single value is escaped but not wrapped.
 */
export function grafanaRegexValue(values: readonly string[]): string {
  const escaped = values.map(escapeRegex)
  return escaped.length === 1 ? (escaped[0] ?? '') : `(${escaped.join('|')})`
}

export interface Substitution {
  readonly timeFilter: string
  readonly interval: string
  /** The same interval in milliseconds ($__interval_ms). */
  readonly intervalMs: number
  readonly variables: Readonly<Record<string, string>>
}

/** Replaces the macros and variables of an InfluxQL panel query as Grafana does before sending it. */
export function interpolateQuery(query: string, s: Substitution): string {
  return query.replace(/\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? ''
    if (name === 'timeFilter' || name === '__timeFilter') return s.timeFilter
    if (name === '__interval' || name === 'interval') return s.interval
    if (name === '__interval_ms') return String(s.intervalMs)
    const v = s.variables[name]
    if (v === undefined) throw new Error(`query uses $${name}, which the test does not substitute: ${whole} in ${query}`)
    return v
  })
}

/** Columns each panel's query returns (after "time"), and the tags it splits series by: what the dashboard promises. */
export const PANEL_SHAPES: Readonly<Record<string, { columns: string[]; tags: string[] }>> = {
  'Mismatch rate now (judged pairs), per route': { columns: ['mismatch_rate', 'unjudged_rate'], tags: ['route'] },
  'Audited pairs': { columns: ['pairs'], tags: [] },
  'Requests mirrored': { columns: ['mirrored'], tags: [] },
  'Shadow errors and timeouts': { columns: ['failed'], tags: [] },
  'Mismatch rate per route (judged pairs)': { columns: ['mismatch_rate'], tags: ['route'] },
  'Unjudged rate per route': { columns: ['unjudged_rate'], tags: ['route'] },
  'Audited pairs per second by outcome': { columns: ['pairs_per_s'], tags: ['outcome'] },
  'Requests per second, mirrored vs not mirrored, by reason': { columns: ['requests_per_s'], tags: ['reason'] },
  'Audited pairs per second, per route': { columns: ['pairs_per_s'], tags: ['route'] },
  'Latency p50: primary vs shadow': { columns: ['primary', 'shadow'], tags: ['route'] },
  'Latency p99: primary vs shadow': { columns: ['primary', 'shadow'], tags: ['route'] },
  'Top differing field paths (pairs, elements)': { columns: ['pairs', 'elements'], tags: ['route', 'path', 'kind'] },
  'Pairs per second with a status code mismatch, per route': { columns: ['pairs_per_s'], tags: ['route'] },
  'Writes on read-only routes': { columns: ['writes'], tags: [] },
  'Slow requests': { columns: ['slow'], tags: [] },
  'Callers seen': { columns: ['callers'], tags: [] },
  'Requests seen': { columns: ['requests'], tags: [] },
  'Callers per route': { columns: ['requests'], tags: ['route', 'caller', 'method', 'status_class'] },
  'Routes per caller': { columns: ['requests'], tags: ['caller', 'route'] },
  'Writes seen on routes declared read-only': { columns: ['writes'], tags: ['route', 'caller', 'method', 'status_class'] },
  'Requests per second by status class': { columns: ['requests_per_s'], tags: ['status_class'] },
  'Slow requests per second, by route and side': { columns: ['slow_per_s'], tags: ['route', 'side'] },
  'Mirror percent per route': { columns: ['percent'], tags: ['route'] },
  'Migration stage per route': { columns: ['stage'], tags: ['route'] },
  'Replay lag per route': { columns: ['lag_entries', 'lag_seconds'], tags: ['route'] },
  'Replayed writes per second by result': { columns: ['replayed_per_s', 'failed_per_s', 'parked_per_s', 'skipped_per_s', 'gaps_per_s'], tags: [] },
  'Replayed writes that differ (status)': { columns: ['differing_per_s'], tags: ['route'] },
  'Gate decisions per route': { columns: ['route', 'stage', 'decision', 'reason', 'judged', 'mismatches', 'mismatch_rate', 'new_5xx_rate', 'old_5xx_rate', 'new_p99_ms', 'old_p99_ms'], tags: [] },
}

/** Grafana's value of a multi-value variable set to All (a regex). */
export const ALL_VALUES = '.*'

/** Grafana's substitution for a dashboard opened on the last hour; a panel's own relative time ("Last 15 minutes") wins. */
export function panelSubstitution(panel: Panel, route: string, caller = ALL_VALUES): Substitution {
  return { timeFilter: `time >= now() - ${panel.timeFrom ?? '1h'}`, interval: '10s', intervalMs: 10_000, variables: { route, caller } }
}

/** The datasource every panel, target and query variable names: the dashboard's `datasource` variable. */
export const DATASOURCE_REF = { type: 'influxdb', uid: '${datasource}' }
