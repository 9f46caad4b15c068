import { renderDiff, type MismatchGroup } from '@shadowgate/audit-service'
import type { DemoTally, RouteTally } from './demo-tally.js'

export const GRAFANA_DASHBOARD_URL = 'http://localhost:3000/d/shadowgate-mirror-audit'

export interface DemoReportInput {
  /** Routes whose percent was raised, in the order to list them. */
  readonly routes: readonly string[]
  readonly tally: DemoTally
  /** Mismatch groups as the worker stored them, largest first. */
  readonly groups: readonly MismatchGroup[]
  readonly elapsedMs: number
  readonly sent: number
  /** Requests that got no answer from the gateway. */
  readonly failures: number
  readonly steps: readonly number[]
  /** False when the queue was not empty yet when the report was made. */
  readonly drained: boolean
  /** Lines noted as declared in the config (noise, order rules). */
  readonly declared: readonly string[]
  readonly influx: { readonly description: string; readonly written: number; readonly dropped: number } | undefined
  readonly color: boolean
}

const TOP_PATHS = 10

type Paint = (s: string) => string

function painter(color: boolean): { bold: Paint; dim: Paint; red: Paint; green: Paint; yellow: Paint } {
  const sgr = (on: string, off: string): Paint => (s) => (color ? `\u001b[${on}m${s}\u001b[${off}m` : s)
  return { bold: sgr('1', '22'), dim: sgr('2', '22'), red: sgr('31', '39'), green: sgr('32', '39'), yellow: sgr('33', '39') }
}

function rate(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)} %`
}

/** Left-aligns the first column, right-aligns the others; `paint` colors a cell after padding. */
function table(rows: readonly (readonly string[])[], paint: (row: number, col: number, cell: string) => string = (_r, _c, s) => s): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? []
  return rows.map((r, ri) =>
    r
      .map((cell, c) => paint(ri, c, c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}

/** Pairs whose answers were compared (match or mismatch): the mismatch rate is over these, never over timeouts or skips. */
function judged(outcomes: Readonly<Record<string, number>>): number {
  return (outcomes['match'] ?? 0) + (outcomes['mismatch'] ?? 0)
}

function otherOutcomes(t: RouteTally | undefined): string {
  if (!t) return ''
  return Object.entries(t.outcomes)
    .filter(([o, n]) => o !== 'match' && o !== 'mismatch' && n > 0)
    .map(([o, n]) => `${o} ${n}`)
    .join(', ')
}

function routeSection(input: DemoReportInput, p: ReturnType<typeof painter>): string[] {
  const header = ['route', 'requests', 'mirrored', 'audited', 'mismatched', 'mismatch rate', 'unjudged', 'other outcomes']
  const rows: string[][] = [header]
  const rates: { mismatch: number; unjudged: number }[] = []
  for (const name of input.routes) {
    const t = input.tally.routes.get(name)
    const mismatched = t?.outcomes['mismatch'] ?? 0
    const audited = t?.audited ?? 0
    const compared = judged(t?.outcomes ?? {})
    rates.push({ mismatch: compared === 0 ? -1 : mismatched / compared, unjudged: audited === 0 ? -1 : (audited - compared) / audited })
    // A route none of whose pairs could be compared has no mismatch rate, never a clean 0 %.
    const mismatchRate = audited > 0 && compared === 0 ? 'none judged' : rate(mismatched, compared)
    rows.push([name, String(t?.requests ?? 0), String(t?.mirrored ?? 0), String(audited), String(mismatched), mismatchRate, rate(audited - compared, audited), otherOutcomes(t)])
  }
  const lines = table(rows, (ri, c, cell) => {
    if (ri === 0) return p.bold(cell)
    const r = rates[ri - 1]
    if (c === 5 && r !== undefined) return r.mismatch < 0 ? (r.unjudged > 0 ? p.red(cell) : cell) : r.mismatch === 0 ? p.green(cell) : r.mismatch >= 0.05 ? p.red(cell) : p.yellow(cell)
    if (c === 6 && r !== undefined && r.unjudged > 0) return r.unjudged >= 0.5 ? p.red(cell) : p.yellow(cell)
    return cell
  })
  const out = lines.map((l) => `  ${l}`)
  const unmirrored = [...input.tally.routes.values()].filter((t) => !input.routes.includes(t.route) && t.requests > 0)
  for (const t of unmirrored) out.push(p.dim(`  ${t.route}: ${t.requests} requests, not mirrored (its rule stays at 0 %)`))
  const dropped = Object.entries(input.tally.dropped)
  if (dropped.length > 0) out.push(p.yellow(`  pairs the gateway dropped instead of queueing: ${dropped.map(([r, n]) => `${r} ${n}`).join(', ')}`))
  if (!input.drained) out.push(p.yellow(`  ${Math.max(0, input.tally.enqueued - input.tally.audited)} queued pairs were not audited yet when this report was made`))
  return out
}

function pathSection(groups: readonly MismatchGroup[], p: ReturnType<typeof painter>): string[] {
  const byPath = new Map<string, { route: string; path: string; kind: string; pairs: number }>()
  for (const g of groups) {
    for (const pk of g.paths) {
      const key = `${g.route}\u0000${pk.path}\u0000${pk.kind}`
      const entry = byPath.get(key) ?? { route: g.route, path: pk.path, kind: pk.kind, pairs: 0 }
      entry.pairs += g.count
      byPath.set(key, entry)
    }
  }
  // Among equal counts a status change comes first: the body paths of an error answer follow from it.
  const rank = (path: string): number => (path === 'status' ? 0 : path.startsWith('header:') ? 1 : 2)
  const top = [...byPath.values()].sort((a, b) => b.pairs - a.pairs || rank(a.path) - rank(b.path) || a.route.localeCompare(b.route) || a.path.localeCompare(b.path)).slice(0, TOP_PATHS)
  if (top.length === 0) return ['  none: every audited pair matched']
  const rows = [['route', 'path', 'kind', 'pairs'], ...top.map((e) => [e.route, e.path, e.kind, String(e.pairs)])]
  // Path and kind read better left-aligned; only the count is right-aligned.
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? []
  return rows.map((r, ri) => {
    const line = r.map((cell, c) => (c === 3 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ')
    return `  ${ri === 0 ? p.bold(line) : line}`
  })
}

/** The most telling sample: the renamed field if it was caught, else the largest group's. */
function sampleSection(groups: readonly MismatchGroup[], color: boolean, p: ReturnType<typeof painter>): string[] {
  const group = groups.find((g) => g.samples.length > 0 && g.paths.some((x) => x.path === '$.title')) ?? groups.find((g) => g.samples.length > 0)
  const sample = group?.samples[0]
  if (!group || !sample) return ['  no mismatch sample was kept']
  const query = sample.query ? `?${sample.query}` : ''
  const head = `  ${p.bold(`${group.route}: ${sample.method} ${sample.path}${query}`)}  status ${group.primaryStatus} → ${group.shadowStatus}, ${sample.differenceCount} difference${sample.differenceCount === 1 ? '' : 's'}  ${p.dim('(- primary v1, + shadow v2)')}`
  const diff = renderDiff(sample, color).replace(/\n+$/, '')
  return [head, ...diff.split('\n').map((l) => `    ${l}`)]
}

function whereSection(input: DemoReportInput, p: ReturnType<typeof painter>): string[] {
  const out = [
    `  Grafana      ${p.bold('docker compose up --build')}   the same sample apps with the gateway, worker, Redis, InfluxDB and Grafana`,
    `               ${p.bold('docker compose --profile load up -d')}   adds steady sample traffic`,
    `               then open ${p.bold(GRAFANA_DASHBOARD_URL)}`,
    `  Mismatches   ${p.bold('shadowgate mismatches --config shadowgate.yaml')}   every group with its latest sample diff`,
    `               in the compose stack: docker compose exec audit-service node audit-service/dist/src/cli/main.js mismatches --config /etc/shadowgate/shadowgate.yaml`,
  ]
  if (input.influx) {
    const dropped = input.influx.dropped > 0 ? p.yellow(`, ${input.influx.dropped} dropped`) : ''
    out.push(`  InfluxDB     this run wrote ${input.influx.written} lines to ${input.influx.description}${dropped} (shadowgate_audit, shadowgate_field_diff, shadowgate_gateway)`)
  } else {
    out.push('  InfluxDB     this run wrote nothing to InfluxDB. To see it in the compose Grafana: docker compose up -d grafana, then')
    out.push(`               ${p.bold('INFLUX_URL=http://localhost:8086 INFLUX_TOKEN=shadowgate-dev-token npm run demo')}   (1.x: INFLUX_DATABASE instead of the token)`)
  }
  return out
}

/** The report printed at the end of `shadowgate demo`, from the real counters and mismatch groups. */
export function formatDemoReport(input: DemoReportInput): string {
  const p = painter(input.color)
  const t = input.tally
  const ramp = input.steps.map((s) => `${s} %`).join(' → ')
  const judgedTotal = [...t.routes.values()].reduce((n, r) => n + judged(r.outcomes), 0)
  const lines = [
    '',
    p.bold('shadowgate demo report'),
    `  ${(input.elapsedMs / 1_000).toFixed(1)} s of traffic: ${input.sent} requests through the gateway${input.failures > 0 ? ` (${input.failures} unanswered)` : ''}, mirror raised ${ramp} through the admin API`,
    `  ${t.mirrored} copies sent to the shadow, ${t.audited} pairs audited (${judgedTotal} judged), ${t.mismatched} mismatched (${rate(t.mismatched, judgedTotal)} of judged pairs)`,
    '',
    p.bold('Per route'),
    ...routeSection(input, p),
    '',
    p.bold('Top differing paths') + p.dim('  (pairs in which the path differed)'),
    ...pathSection(input.groups, p),
    '',
    p.bold('Sample diff'),
    ...sampleSection(input.groups, input.color, p),
    '',
    p.bold('Declared in the demo config') + p.dim('  (expected differences, never reported)'),
    ...input.declared.map((d) => `  ${d}`),
    '',
    p.bold('Where to look'),
    ...whereSection(input, p),
    '',
  ]
  return `${lines.join('\n')}\n`
}
