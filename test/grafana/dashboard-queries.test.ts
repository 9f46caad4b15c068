import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startInfluxd, type InfluxSeries, type TestInflux } from '@shadowgate/dev-helpers'
import { stagePoint } from '@shadowgate/influx'
import { ALL_VALUES, PANEL_SHAPES, allPanels, grafanaRegexValue, interpolateQuery, loadDashboards, panelSubstitution, type Panel, type PanelTarget } from './grafana-dashboards.js'

// Runs every panel query of every dashboard against a real influxd, on points written in the exact
// schema the audit worker and the gateway reporter use, substituting variables as Grafana does.

const DB = 'shadowgate'
const ROUTES = ['products-list', 'product', 'categories', 'search'] as const
const STEPS = 180 // one point per route every 10 s over the last 30 minutes
const STEP_MS = 10_000

interface AuditPoint {
  route: string
  method: string
  outcome: string
  mismatch: 0 | 1
  primaryMs: number
  shadowMs: number
  primaryStatus: number
  shadowStatus: number
  diffPaths: number
  fingerprint: string
}

/** What the sample catalog pair produces, per route and step: deterministic, so totals are known. */
function auditPoint(route: string, i: number): AuditPoint {
  const base = { route, method: 'GET', primaryMs: 5 + (i % 20), shadowMs: 8 + (i % 30), primaryStatus: 200, shadowStatus: 200, diffPaths: 0, fingerprint: '' }
  switch (route) {
    case 'product':
      return { ...base, outcome: 'mismatch', mismatch: 1, diffPaths: 2, fingerprint: 'fp-rename' }
    case 'products-list':
      return i % 2 === 0 ? { ...base, outcome: 'mismatch', mismatch: 1, diffPaths: 1, fingerprint: 'fp-price' } : { ...base, outcome: 'match', mismatch: 0 }
    case 'search':
      if (i % 5 === 0) return { ...base, outcome: 'mismatch', mismatch: 1, shadowStatus: 500, diffPaths: 1, fingerprint: 'fp-status' }
      if (i % 17 === 0) return { ...base, outcome: 'shadow_timeout', mismatch: 0, shadowStatus: 0, shadowMs: 2000 }
      return { ...base, outcome: 'match', mismatch: 0 }
    default:
      return { ...base, outcome: i % 3 === 0 ? 'skipped' : 'match', mismatch: 0 }
  }
}

function fieldDiffs(p: AuditPoint): { path: string; kind: string }[] {
  if (p.fingerprint === 'fp-rename') return [{ path: '$.name', kind: 'removed' }, { path: '$.title', kind: 'added' }]
  if (p.fingerprint === 'fp-price') return [{ path: '$.items[*].price', kind: 'changed' }]
  if (p.fingerprint === 'fp-status') return [{ path: 'status', kind: 'changed' }]
  return []
}

const GATEWAY_REASONS: Record<string, number> = { mirrored: 12, not_sampled: 9, method: 1, circuit_open: 2 }

function lineProtocol(nowMs: number): { lines: string[]; auditPoints: AuditPoint[] } {
  const lines: string[] = []
  const auditPoints: AuditPoint[] = []
  for (let i = 0; i < STEPS; i++) {
    const ts = (nowMs - (STEPS - i) * STEP_MS) * 1_000_000
    for (const route of ROUTES) {
      const p = auditPoint(route, i)
      auditPoints.push(p)
      lines.push(
        `shadowgate_audit,method=${p.method},outcome=${p.outcome},route=${route} mismatch=${p.mismatch}i,primary_ms=${p.primaryMs.toFixed(3)},shadow_ms=${p.shadowMs.toFixed(3)},primary_status=${p.primaryStatus}i,shadow_status=${p.shadowStatus}i,diff_paths=${p.diffPaths}i,fingerprint="${p.fingerprint}" ${ts}`,
      )
      for (const d of fieldDiffs(p)) lines.push(`shadowgate_field_diff,kind=${d.kind},path=${d.path},route=${route} count=1i ${ts}`)
      for (const [reason, count] of Object.entries(GATEWAY_REASONS)) lines.push(`shadowgate_gateway,instance=gw-1,reason=${reason},route=${route} count=${count}i ${ts}`)
    }
    lines.push(`shadowgate_gateway,instance=gw-1,reason=no_route,route=(none) count=3i ${ts}`)
    // A migration: every route moves shadow -> canary -> final, one route is rolled back to canary.
    const move = STAGE_MOVES.find((m) => m.step === i)
    if (move) {
      for (const route of ROUTES) {
        const rolledBack = move.to === 'final' && route === 'search'
        const at = Math.floor(ts / 1_000_000)
        lines.push(stagePointLine(route, move.from, move.to, at, 'move'))
        if (rolledBack) lines.push(stagePointLine(route, 'final', 'canary', at + STEP_MS, 'rollback'))
      }
    }
  }
  return { lines, auditPoints }
}



const STAGE_MOVES = [
  { step: 10, from: 'passthrough', to: 'shadow' },
  { step: 60, from: 'shadow', to: 'canary' },
  { step: 120, from: 'canary', to: 'final' },
] as const

/** A stage change exactly as the gateway writes it (the same point builder). */
function stagePointLine(route: string, from: string, to: string, at: number, action: 'move' | 'rollback'): string {
  const p = stagePoint({ route, action: action === 'move' ? 'stage' : 'rollback', from, stage: to, servePercent: to === 'canary' ? 10 : 0, mirrorPercent: 10, instance: 'gw-1', who: 'alice@10.0.0.1', reason: `${action} ${route} to ${to}`, at })
  const line = p.toLineProtocol()
  if (line === undefined) throw new Error('stage point has no line protocol')
  return line
}

function sumColumn(series: InfluxSeries[], column: string): number {
  let total = 0
  for (const s of series) {
    const idx = s.columns.indexOf(column)
    for (const row of s.values) total += Number(row[idx] ?? 0)
  }
  return total
}

describe('dashboard queries on a real InfluxDB', () => {
  let influx: TestInflux
  let auditPoints: AuditPoint[] = []
  const dashboards = loadDashboards()
  const targets: { file: string; panel: Panel; target: PanelTarget }[] = dashboards.flatMap(({ file, dashboard }) =>
    allPanels(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => ({ file, panel, target }))),
  )

  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    const generated = lineProtocol(Date.now())
    auditPoints = generated.auditPoints
    // Written through the v1 /write endpoint, in batches the way the worker flushes.
    for (let i = 0; i < generated.lines.length; i += 2_000) {
      const res = await fetch(`${influx.url}/write?db=${DB}&precision=ns`, { method: 'POST', body: generated.lines.slice(i, i + 2_000).join('\n') })
      expect(res.status, await res.text()).toBe(204)
    }
  })
  afterAll(async () => {
    await influx?.close()
  })

  it('knows the expected shape of every panel', () => {
    expect(targets.length).toBeGreaterThan(0)
    for (const { panel } of targets) expect(PANEL_SHAPES[panel.title], `no expectation for panel "${panel.title}"`).toBeDefined()
  })

  it('the route variable query lists every route', async () => {
    const series = await influx.query('SHOW TAG VALUES FROM "shadowgate_audit" WITH KEY = "route"', DB)
    const values = series.flatMap((s) => s.values.map((v) => v[s.columns.indexOf('value')]))
    expect(values.sort()).toEqual([...ROUTES].sort())
  })

  for (const selection of [{ label: 'All routes', value: ALL_VALUES }, { label: 'two routes', value: grafanaRegexValue(['products-list', 'search']) }]) {
    it.each(targets.map((t) => [t.panel.title, t.target.refId, t] as const))(`%s (%s) returns the expected series for ${selection.label}`, async (_title, _ref, { panel, target }) => {
      const expected = PANEL_SHAPES[panel.title]
      if (!expected) throw new Error(`no expectation for ${panel.title}`)
      const q = interpolateQuery(target.query ?? '', panelSubstitution(panel, selection.value))
      const series = await influx.query(q, DB)
      expect(series.length, q).toBeGreaterThan(0)
      for (const s of series) {
        expect(s.columns, q).toEqual(['time', ...expected.columns])
        expect(Object.keys(s.tags ?? {}).sort(), q).toEqual([...expected.tags].sort())
        const nonNull = s.values.filter((row) => row.slice(1).some((v) => v !== null))
        expect(nonNull.length, q).toBeGreaterThan(0)
        if (s.tags?.['route'] !== undefined && selection.value !== ALL_VALUES) expect(['products-list', 'search']).toContain(s.tags['route'])
      }
    })
  }

  it('aggregates to the numbers the synthetic traffic implies', async () => {
    const find = (title: string): { panel: Panel; target: PanelTarget } => {
      const t = targets.find((x) => x.panel.title === title)
      if (!t) throw new Error(`panel "${title}" missing`)
      return t
    }
    const run = async (title: string, route = ALL_VALUES): Promise<InfluxSeries[]> => {
      const { panel, target } = find(title)
      return influx.query(interpolateQuery(target.query ?? '', panelSubstitution(panel, route)), DB)
    }
    expect(sumColumn(await run('Audited pairs'), 'pairs')).toBe(auditPoints.length)
    expect(sumColumn(await run('Audited pairs', grafanaRegexValue(['search'])), 'pairs')).toBe(STEPS)
    const failed = auditPoints.filter((p) => p.outcome === 'shadow_timeout' || p.outcome === 'shadow_error').length
    expect(failed).toBeGreaterThan(0)
    expect(sumColumn(await run('Shadow errors and timeouts'), 'failed')).toBe(failed)
    expect(sumColumn(await run('Requests mirrored'), 'mirrored')).toBe(STEPS * ROUTES.length * (GATEWAY_REASONS['mirrored'] ?? 0))
    // With "All" the unrouted requests (route tag "(none)") are shown too.
    const reasons = await run('Requests mirrored vs not mirrored, by reason')
    expect(reasons.map((s) => s.tags?.['reason']).sort()).toEqual(['circuit_open', 'method', 'mirrored', 'no_route', 'not_sampled'])
    const now = await run('Mismatch rate now, per route')
    const rate = Object.fromEntries(now.map((s) => [s.tags?.['route'], Number(s.values[0]?.[1])]))
    expect(rate['product']).toBe(1)
    expect(rate['categories']).toBe(0)
    expect(rate['products-list']).toBeCloseTo(0.5, 1)
    const paths = await run('Top differing field paths')
    const byPath = Object.fromEntries(paths.map((s) => [`${s.tags?.['route']} ${s.tags?.['path']} ${s.tags?.['kind']}`, Number(s.values[0]?.[1])]))
    expect(byPath['product $.title added']).toBe(STEPS)
    expect(byPath['search status changed']).toBe(auditPoints.filter((p) => p.fingerprint === 'fp-status').length)
    expect(sumColumn(await run('Status code mismatches per route'), 'status_mismatches')).toBe(byPath['search status changed'])
    // The stage timeline carries each route's stage forward from its last change.
    const stages = await run('Migration stage per route')
    const last = Object.fromEntries(stages.map((s) => [s.tags?.['route'], s.values.at(-1)?.[1]]))
    expect(last).toEqual({ product: 'final', 'products-list': 'final', categories: 'final', search: 'canary' })
    const product = stages.find((s) => s.tags?.['route'] === 'product')
    expect(new Set(product?.values.map((v) => v[1]).filter((v) => v !== null))).toEqual(new Set(['shadow', 'canary', 'final']))
  })

  it('the stage annotations list every change with its reason, for the selected routes', async () => {
    const annotations = dashboards.flatMap(({ dashboard }) => dashboard.annotations.list.filter((a) => a.query !== undefined))
    expect(annotations.map((a) => a.name)).toContain('Stage changes')
    const a = annotations.find((x) => x.name === 'Stage changes')
    const series = await influx.query(interpolateQuery(a?.query ?? '', { timeFilter: 'time >= now() - 1h', interval: '10s', variables: { route: grafanaRegexValue(['search']) } }), DB)
    const rows = series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
    expect(rows.map((r) => `${r['route']} ${r['action']} ${r['from']}->${r['stage']}: ${r['reason']}`)).toEqual([
      'search stage passthrough->shadow: move search to shadow',
      'search stage shadow->canary: move search to canary',
      'search stage canary->final: move search to final',
      'search rollback final->canary: rollback search to canary',
    ])
    for (const column of [a?.textColumn, a?.titleColumn, ...(a?.tagsColumn ?? '').split(',')]) expect(series[0]?.columns).toContain(column)
  })
})
