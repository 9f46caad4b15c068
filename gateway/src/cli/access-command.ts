import { ACCESS_MEASUREMENT, queryInfluxQl, type InfluxQlSeries } from '@shadowgate/influx'
import { parseDuration, type ShadowgateConfig } from '@shadowgate/shared'
import { EXIT_FAILURE, EXIT_OK, printCliError, printOut, usageError } from './cli-output.js'
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load-config-file.js'
import { isExit, parseCommandArgs } from './parse-command-args.js'
import { cell, formatTextTable } from './text-table.js'

export const ACCESS_USAGE = `Usage:
  shadowgate access [--route <rule>] [--since 1h] [--json] [--config shadowgate.yaml]

Who calls what: requests by route, caller, method and status class over the last --since, as the
gateways counted them in InfluxDB (shadowgate_access). Writes (POST, PUT, PATCH, DELETE) on a route
declared readOnly are flagged. Reads the influx section of the config; InfluxDB 2.x/3.x is queried
through its InfluxQL API (the bucket needs a DBRP mapping, as for Grafana).

Options:
  -c, --config <file>  the config file (default: shadowgate.yaml)
      --route <rule>   only this route rule
      --since <dur>    how far back: 15m, 1h, 7d (default: 1h)
      --json           print the rows as JSON
  -h, --help           show this help
`

const ROUTE_NAME = /^[A-Za-z0-9_.()-]{1,64}$/
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** One line of the access table. */
export interface AccessRow {
  readonly route: string
  readonly caller: string
  readonly method: string
  readonly statusClass: string
  readonly requests: number
  /** A write on a route whose config says readOnly: true. */
  readonly writeOnReadOnly: boolean
}

/** The InfluxQL of the access table (also what the Grafana panels sum). */
export function accessQuery(sinceMs: number, route: string | undefined): string {
  const where = route === undefined ? '' : ` AND "route" = '${route}'`
  return `SELECT sum("count") AS "requests" FROM "${ACCESS_MEASUREMENT}" WHERE time > now() - ${Math.round(sinceMs)}ms${where} GROUP BY "route", "caller", "method", "status_class"`
}

/** Rows from the query's series, busiest first within each route. */
export function accessRows(series: readonly InfluxQlSeries[], config: Pick<ShadowgateConfig, 'routes'>): AccessRow[] {
  const readOnly = new Set(config.routes.filter((r) => r.readOnly).map((r) => r.name))
  const rows: AccessRow[] = []
  for (const s of series) {
    const requests = Number(s.rows[0]?.requests ?? 0)
    if (!Number.isFinite(requests) || requests <= 0) continue
    const route = s.tags.route ?? ''
    const method = s.tags.method ?? ''
    rows.push({ route, caller: s.tags.caller ?? '', method, statusClass: s.tags.status_class ?? '', requests, writeOnReadOnly: readOnly.has(route) && WRITE_METHODS.has(method) })
  }
  return rows.sort((a, b) => a.route.localeCompare(b.route) || b.requests - a.requests || a.caller.localeCompare(b.caller) || a.method.localeCompare(b.method) || a.statusClass.localeCompare(b.statusClass))
}

export function formatAccessTable(rows: readonly AccessRow[]): string {
  if (rows.length === 0) return 'no requests counted in this period'
  return formatTextTable(
    ['ROUTE', 'CALLER', 'METHOD', 'STATUS', 'REQUESTS', 'NOTE'],
    rows.map((r) => [cell(r.route), cell(r.caller), cell(r.method), cell(r.statusClass), String(r.requests), r.writeOnReadOnly ? 'write on read-only route' : '']),
  )
}

/** `shadowgate access`: resolves with the exit code. */
export async function runAccessCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { config: { type: 'string', short: 'c' }, route: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, ACCESS_USAGE)
  if (isExit(parsed)) return parsed.exitCode
  const { values, positionals } = parsed
  if (values.help) {
    printOut(ACCESS_USAGE)
    return EXIT_OK
  }
  if (positionals.length > 0) return usageError(`access takes no arguments (got "${positionals.join(' ')}")`, ACCESS_USAGE)
  if (values.route !== undefined && !ROUTE_NAME.test(values.route)) return usageError(`--route must be a route rule name (got "${values.route}")`, ACCESS_USAGE)
  const sinceMs = parseDuration(values.since ?? '1h')
  if (sinceMs === undefined || sinceMs <= 0) return usageError(`--since must be a duration such as 15m, 1h or 7d (got "${values.since ?? ''}")`, ACCESS_USAGE)
  const loaded = loadConfigFile(values.config ?? DEFAULT_CONFIG_PATH)
  if (isExit(loaded)) return loaded.exitCode
  const { config } = loaded
  if (config.influx === undefined) {
    printCliError('config', 'the config has no influx section: access counts are kept in InfluxDB')
    return EXIT_FAILURE
  }
  let series: InfluxQlSeries[]
  try {
    series = await queryInfluxQl(config.influx, accessQuery(sinceMs, values.route))
  } catch (err) {
    printCliError('connection', (err as Error).message)
    return EXIT_FAILURE
  }
  const rows = accessRows(series, config)
  printOut(values.json ? JSON.stringify(rows, null, 2) : formatAccessTable(rows))
  return EXIT_OK
}
