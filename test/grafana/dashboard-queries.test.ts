import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditPoint } from '../../audit-service/src/influx/audit-point.js'
import { fieldDiffPoints } from '../../audit-service/src/influx/field-diff-points.js'
import type { FieldDifference, Outcome, Verdict } from '../../audit-service/src/verdict/verdict.js'
import { startInfluxd, type InfluxSeries, type TestInflux } from '@shadowgate/dev-helpers'
import { accessPoints, routePercentPoints, slowPoints, stagePoint, type AccessCountRow } from '@shadowgate/influx'
import { GATE_DECISIONS, replayLoadGateLines, replayWindows } from './replay-load-gate-lines.js'
import { ALL_VALUES, PANEL_SHAPES, allPanels, grafanaRegexValue, interpolateQuery, loadDashboards, panelSubstitution, type Panel, type PanelTarget } from './grafana-dashboards.js'

// Runs every panel query of every dashboard against a real influxd, on points written in the exact
// schema the audit worker and the gateway reporter use, substituting variables as Grafana does.

const DB = 'shadowgate'
const ROUTES = ['products-list', 'product', 'categories', 'search'] as const
const STEPS = 180 // one point per route every 10 s over the last 30 minutes
const STEP_MS = 10_000

interface AuditPoint {
  route: string
  step: number
  outcome: Outcome
  shadowStatus: number
  fingerprint: string | undefined
  differences: FieldDifference[]
}

const diff = (path: string, kind: FieldDifference['kind'], exactPath = path): FieldDifference => ({ path, exactPath, kind })
/** Three items whose price changed in one pair: one pair, three elements. */
const PRICE_DIFFS = [0, 1, 2].map((i) => diff('$.items[*].price', 'changed', `$.items[${i}].price`))

/** What the sample catalog pair produces, per route and step: deterministic, so totals are known. */
function mixedPoint(route: string, i: number): AuditPoint {
  const base = { route, step: i, shadowStatus: 200, fingerprint: undefined, differences: [] }
  switch (route) {
    case 'product':
      return { ...base, outcome: 'mismatch', fingerprint: 'fp-rename', differences: [diff('$.name', 'removed'), diff('$.title', 'added')] }
    case 'products-list':
      return i % 2 === 0 ? { ...base, outcome: 'mismatch', fingerprint: 'fp-price', differences: PRICE_DIFFS } : { ...base, outcome: 'match' }
    case 'search':
      if (i % 5 === 0) return { ...base, outcome: 'mismatch', shadowStatus: 500, fingerprint: 'fp-status', differences: [diff('status', 'changed')] }
      if (i % 17 === 0) return { ...base, outcome: 'shadow_timeout', shadowStatus: 0 }
      return { ...base, outcome: 'match' }
    default:
      return { ...base, outcome: i % 3 === 0 ? 'skipped' : 'match' }
  }
}

/** A shadow that never answers in time: every pair of every route is shadow_timeout. */
function timeoutPoint(route: string, i: number): AuditPoint {
  return { route, step: i, outcome: 'shadow_timeout', shadowStatus: 0, fingerprint: undefined, differences: [] }
}

const GATEWAY_REASONS: Record<string, number> = { mirrored: 12, not_sampled: 9, method: 1, circuit_open: 2 }

/** Lines built by the worker's own point builders, so the panels are tested on the schema actually written. */
function lineProtocol(nowMs: number, pointOf: (route: string, i: number) => AuditPoint): { lines: string[]; auditPoints: AuditPoint[] } {
  const lines: string[] = []
  const auditPoints: AuditPoint[] = []
  for (let i = 0; i < STEPS; i++) {
    const ts = `${(nowMs - (STEPS - i) * STEP_MS) * 1_000_000}`
    for (const route of ROUTES) {
      const p = pointOf(route, i)
      auditPoints.push(p)
      const verdict: Verdict = {
        outcome: p.outcome,
        reason: 'r',
        differences: p.differences,
        differenceCount: p.differences.length,
        fingerprint: p.fingerprint,
        primaryStatus: 200,
        shadowStatus: p.shadowStatus,
        primaryMs: 5 + (i % 20),
        shadowMs: p.outcome === 'shadow_timeout' ? 2000 : 8 + (i % 30),
      }
      lines.push(auditPoint({ route, method: 'GET', verdict, timestampNs: ts }).toLineProtocol() ?? '')
      for (const point of fieldDiffPoints(route, p.differences, new Map(), ts)) lines.push(point.toLineProtocol() ?? '')
      for (const [reason, count] of Object.entries(GATEWAY_REASONS)) lines.push(`shadowgate_gateway,instance=gw-1,reason=${reason},route=${route} count=${count}i ${ts}`)
    }
    lines.push(`shadowgate_gateway,instance=gw-1,reason=no_route,route=(none) count=3i ${ts}`)
    // A migration: every route moves shadow -> canary -> final, one route is rolled back to canary.
    const move = STAGE_MOVES.find((m) => m.step === i)
    if (move) {
      for (const route of ROUTES) {
        const rolledBack = move.to === 'final' && route === 'search'
        const at = Math.floor(Number(ts) / 1_000_000)
        lines.push(stagePointLine(route, move.from, move.to, at, 'move'))
        if (rolledBack) lines.push(stagePointLine(route, 'final', 'canary', at + STEP_MS, 'rollback'))
      }
    }
  }
  return { lines, auditPoints }
}

/** Routes declared readOnly in the config of the synthetic gateway. */
const READ_ONLY = new Set(['search', 'product'])
const MIRROR_PERCENT: Record<string, number> = { 'products-list': 10, product: 25, categories: 50, search: 100 }

/** Every window, per route: alice reads (3, 2xx), anonymous misses (2, 4xx); bob writes to search (1, read-only). */
function accessRowsOf(route: string): AccessCountRow[] {
  const rows: AccessCountRow[] = [
    { route, caller: 'alice', method: 'GET', statusClass: '2xx', count: 3 },
    { route, caller: '(anonymous)', method: 'GET', statusClass: '4xx', count: 2 },
  ]
  if (route === 'search') rows.push({ route, caller: 'bob', method: 'POST', statusClass: '2xx', count: 1 })
  return rows
}

/** What gateways write each window besides shadowgate_gateway, through the gateway's own point builders. */
function trafficLines(nowMs: number): string[] {
  const lines: string[] = []
  for (let i = 0; i < STEPS; i++) {
    const ts = `${(nowMs - (STEPS - i) * STEP_MS) * 1_000_000}`
    const points = [
      ...accessPoints(ROUTES.flatMap(accessRowsOf), 'gw-1', ts, READ_ONLY),
      ...slowPoints(i % 10 === 0 ? ROUTES.map((route) => ({ route, side: route === 'search' ? 'shadow' : 'primary', count: 1 })) : [], 'gw-1', ts),
      ...routePercentPoints(new Map(Object.entries(MIRROR_PERCENT)), 'gw-1', ts),
    ]
    for (const point of points) lines.push(point.toLineProtocol() ?? '')
  }
  return lines
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

const TIMEOUT_DB = 'shadowgate_timeouts'

async function writeLines(influx: TestInflux, db: string, lines: string[]): Promise<void> {
  await influx.createDatabase(db)
  // Written through the v1 /write endpoint, in batches the way the worker flushes.
  for (let i = 0; i < lines.length; i += 2_000) {
    const res = await fetch(`${influx.url}/write?db=${db}&precision=ns`, { method: 'POST', body: lines.slice(i, i + 2_000).join('\n') })
    expect(res.status, await res.text()).toBe(204)
  }
}

/** Per route, the non-null values of one column. */
function valuesByRoute(series: InfluxSeries[], column: string): Record<string, number[]> {
  const out: Record<string, number[]> = {}
  for (const s of series) {
    const idx = s.columns.indexOf(column)
    const route = s.tags?.['route'] ?? ''
    out[route] = [...(out[route] ?? []), ...s.values.map((row) => row[idx]).filter((v) => v !== null && v !== undefined).map(Number)]
  }
  return out
}

describe('dashboard queries on a real InfluxDB', () => {
  let influx: TestInflux
  let auditPoints: AuditPoint[] = []
  const dashboards = loadDashboards()
  const targets: { file: string; panel: Panel; target: PanelTarget }[] = dashboards.flatMap(({ file, dashboard }) =>
    allPanels(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => ({ file, panel, target }))),
  )
  const run = async (title: string, route = ALL_VALUES, db = DB): Promise<InfluxSeries[]> => {
    const t = targets.find((x) => x.panel.title === title)
    if (!t) throw new Error(`panel "${title}" missing`)
    return influx.query(interpolateQuery(t.target.query ?? '', panelSubstitution(t.panel, route)), db)
  }

  beforeAll(async () => {
    influx = await startInfluxd()
    const now = Date.now()
    const mixed = lineProtocol(now, mixedPoint)
    auditPoints = mixed.auditPoints
    await writeLines(influx, DB, [...mixed.lines, ...trafficLines(now), ...replayLoadGateLines(ROUTES, STEPS, STEP_MS, now)])
    await writeLines(influx, TIMEOUT_DB, lineProtocol(now, timeoutPoint).lines)
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
    expect(sumColumn(await run('Audited pairs'), 'pairs')).toBe(auditPoints.length)
    expect(sumColumn(await run('Audited pairs', grafanaRegexValue(['search'])), 'pairs')).toBe(STEPS)
    const failed = auditPoints.filter((p) => p.outcome === 'shadow_timeout' || p.outcome === 'shadow_error').length
    expect(failed).toBeGreaterThan(0)
    expect(sumColumn(await run('Shadow errors and timeouts'), 'failed')).toBe(failed)
    expect(sumColumn(await run('Requests mirrored'), 'mirrored')).toBe(STEPS * ROUTES.length * (GATEWAY_REASONS['mirrored'] ?? 0))
    // With "All" the unrouted requests (route tag "(none)") are shown too.
    const reasons = await run('Requests per second, mirrored vs not mirrored, by reason')
    expect(reasons.map((s) => s.tags?.['reason']).sort()).toEqual(['circuit_open', 'method', 'mirrored', 'no_route', 'not_sampled'])
    const paths = await run('Top differing field paths (pairs, elements)')
    const byPath = Object.fromEntries(paths.map((s) => [`${s.tags?.['route']} ${s.tags?.['path']} ${s.tags?.['kind']}`, { pairs: Number(s.values[0]?.[1]), elements: Number(s.values[0]?.[2]) }]))
    expect(byPath['product $.title added']).toEqual({ pairs: STEPS, elements: STEPS })
    const pricePairs = auditPoints.filter((p) => p.fingerprint === 'fp-price').length
    expect(byPath['products-list $.items[*].price changed']).toEqual({ pairs: pricePairs, elements: 3 * pricePairs })
    const statusPairs = auditPoints.filter((p) => p.fingerprint === 'fp-status').length
    expect(byPath['search status changed']).toEqual({ pairs: statusPairs, elements: statusPairs })
    // Rates per second over 10 s intervals: ten times the sum of the rates is the count.
    expect(sumColumn(await run('Pairs per second with a status code mismatch, per route'), 'pairs_per_s') * 10).toBeCloseTo(statusPairs, 9)
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
    const series = await influx.query(interpolateQuery(a?.query ?? '', { timeFilter: 'time >= now() - 1h', interval: '10s', intervalMs: 10_000, variables: { route: grafanaRegexValue(['search']) } }), DB)
    const rows = series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
    expect(rows.map((r) => `${r['route']} ${r['action']} ${r['from']}->${r['stage']}: ${r['reason']}`)).toEqual([
      'search stage passthrough->shadow: move search to shadow',
      'search stage shadow->canary: move search to canary',
      'search stage canary->final: move search to final',
      'search rollback final->canary: rollback search to canary',
    ])
    for (const column of [a?.textColumn, a?.titleColumn, ...(a?.tagsColumn ?? '').split(',')]) expect(series[0]?.columns).toContain(column)
  })

  it('replay, load-test and gate panels: lag, replay results, differing replays, gate decisions and load annotations, exactly', async () => {
    const windows = replayWindows(ROUTES, STEPS, STEP_MS, 0)
    const total = (counter: 'replayed' | 'failed' | 'parked' | 'skipped' | 'gaps'): number => windows.reduce((n, w) => n + (w.counts?.[counter] ?? 0), 0)
    const results = await run('Replayed writes per second by result')
    for (const counter of ['replayed', 'failed', 'parked', 'skipped', 'gaps'] as const) expect(sumColumn(results, `${counter}_per_s`) * 10, counter).toBeCloseTo(total(counter), 6)
    expect(total('gaps')).toBe(7)
    const lag = await run('Replay lag per route')
    expect(valuesByRoute(lag, 'lag_seconds')['search']?.at(-1)).toBe((STEPS - 1) / 2)
    expect(valuesByRoute(lag, 'lag_entries')['search']?.at(-1)).toBe((STEPS - 1) * 3)
    expect(Math.max(...(valuesByRoute(lag, 'lag_seconds')['product'] ?? [1]))).toBe(0)
    const differing = sumByTagValue(await run('Replayed writes that differ (status)'), 'route', 'differing_per_s')
    expect((differing['products-list'] ?? 0) * 10).toBeCloseTo(STEPS / 4, 6)
    expect(differing['search']).toBe(0)
    const gate = await run('Gate decisions per route', grafanaRegexValue(['products-list', 'search']))
    const rows = gate.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
    const expected = GATE_DECISIONS.filter((g) => g.route !== 'categories').sort((a, b) => b.step - a.step)
    expect(rows.map((r) => `${r['route']} ${r['stage']} ${r['decision']}: ${r['reason']}`)).toEqual(expected.map((g) => `${g.route} ${g.stage} ${g.decision}: ${g.reason}`))
    expect(rows[0]).toMatchObject({ mismatch_rate: 0.2, judged: 500, new_p99_ms: 130 })
    const a = dashboards.flatMap(({ dashboard }) => dashboard.annotations.list).find((x) => x.name === 'Load tests')
    const series = await influx.query(interpolateQuery(a?.query ?? '', { timeFilter: 'time >= now() - 1h', interval: '10s', intervalMs: 10_000, variables: { route: grafanaRegexValue(['search']) } }), DB)
    const events = series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
    expect(events.map((r) => `${r['route']} ${r['event']} ${r['percent']}: ${r['reason']}`)).toEqual(['search step 50: ramp to 50 %', 'search step 100: ramp to 100 %', 'search brake 100: shadow 5xx rate 0.12 > 0.05'])
    for (const column of [a?.textColumn, a?.titleColumn, ...(a?.tagsColumn ?? '').split(',')]) expect(series[0]?.columns).toContain(column)
  })

  it('gateway traffic panels: who calls what, writes on read-only routes, slow requests and mirror percents, exactly', async () => {
    const perStep = ROUTES.length * 5 + 1
    expect(sumColumn(await run('Requests seen'), 'requests')).toBe(STEPS * perStep)
    expect(sumColumn(await run('Writes on read-only routes'), 'writes')).toBe(STEPS)
    expect(sumColumn(await run('Writes on read-only routes', grafanaRegexValue(['products-list'])), 'writes')).toBe(0)
    expect(sumColumn(await run('Callers seen'), 'callers')).toBe(3)
    expect(sumColumn(await run('Slow requests'), 'slow')).toBe((STEPS / 10) * ROUTES.length)
    const callers = await run('Callers per route')
    const byKey = Object.fromEntries(callers.map((s) => [`${s.tags?.['route']} ${s.tags?.['caller']} ${s.tags?.['method']} ${s.tags?.['status_class']}`, Number(s.values[0]?.[1])]))
    expect(byKey['search bob POST 2xx']).toBe(STEPS)
    expect(byKey['product alice GET 2xx']).toBe(3 * STEPS)
    expect(byKey['categories (anonymous) GET 4xx']).toBe(2 * STEPS)
    expect(Object.keys(byKey)).toHaveLength(ROUTES.length * 2 + 1)
    const writes = await run('Writes seen on routes declared read-only')
    expect(writes.map((s) => `${s.tags?.['route']} ${s.tags?.['caller']} ${Number(s.values[0]?.[1])}`)).toEqual([`search bob ${STEPS}`])
    const perCaller = await run('Routes per caller')
    expect(perCaller.filter((s) => s.tags?.['caller'] === 'bob').map((s) => s.tags?.['route'])).toEqual(['search'])
    const byClass = sumByTagValue(await run('Requests per second by status class'), 'status_class', 'requests_per_s')
    expect((byClass['2xx'] ?? 0) * 10).toBeCloseTo(STEPS * (ROUTES.length * 3 + 1), 6)
    expect((byClass['4xx'] ?? 0) * 10).toBeCloseTo(STEPS * ROUTES.length * 2, 6)
    const sides = sumByTagValue(await run('Slow requests per second, by route and side'), 'side', 'slow_per_s')
    expect((sides['shadow'] ?? 0) * 10).toBeCloseTo(STEPS / 10, 6)
    const percents = valuesByRoute(await run('Mirror percent per route'), 'percent')
    for (const route of ROUTES) expect(percents[route]?.at(-1), route).toBe(MIRROR_PERCENT[route])
    // The caller variable narrows every panel that uses it.
    const t = targets.find((x) => x.panel.title === 'Callers per route')
    const onlyBob = await influx.query(interpolateQuery(t?.target.query ?? '', panelSubstitution(t!.panel, ALL_VALUES, grafanaRegexValue(['bob']))), DB)
    expect(onlyBob.map((s) => s.tags?.['caller'])).toEqual(['bob'])
  })

  it('mismatch rates are over judged pairs, and unjudged pairs have their own rate (mixed outcomes)', async () => {
    // The stat panel looks at the last 15 minutes only: the steps written less than 15 minutes before now.
    const recent = auditPoints.filter((p) => (STEPS - p.step) * STEP_MS < 15 * 60_000)
    const judged = (route: string): AuditPoint[] => recent.filter((p) => p.route === route && (p.outcome === 'match' || p.outcome === 'mismatch'))
    const rateOf = (route: string): number => judged(route).filter((p) => p.outcome === 'mismatch').length / judged(route).length
    const unjudgedOf = (route: string): number => 1 - judged(route).length / recent.filter((p) => p.route === route).length
    const now = await run('Mismatch rate now (judged pairs), per route')
    const mismatch = valuesByRoute(now, 'mismatch_rate')
    const unjudged = valuesByRoute(now, 'unjudged_rate')
    for (const route of ROUTES) {
      expect(mismatch[route]?.[0], route).toBeCloseTo(rateOf(route), 9)
      expect(unjudged[route]?.[0], route).toBeCloseTo(unjudgedOf(route), 9)
    }
    // search: a timeout now and then must not dilute its mismatch rate.
    expect(unjudgedOf('search')).toBeGreaterThan(0)
    expect(mismatch['search']?.[0]).toBeGreaterThan(recent.filter((p) => p.route === 'search' && p.outcome === 'mismatch').length / recent.filter((p) => p.route === 'search').length)
    expect(mismatch['product']?.[0]).toBe(1)
    expect(mismatch['categories']?.[0]).toBe(0)
    expect(unjudged['categories']?.[0]).toBeCloseTo(unjudgedOf('categories'), 9)
    const overTime = valuesByRoute(await run('Unjudged rate per route'), 'unjudged_rate')
    expect(Math.max(...(overTime['products-list'] ?? [1]))).toBe(0)
    expect(Math.max(...(overTime['search'] ?? []))).toBe(1)
  })

  it('when every pair times out, no panel shows a clean mismatch rate: mismatch rates are absent, unjudged is 100 %', async () => {
    const now = await run('Mismatch rate now (judged pairs), per route', ALL_VALUES, TIMEOUT_DB)
    expect(now.map((s) => s.tags?.['route']).sort()).toEqual([...ROUTES].sort())
    const rates = valuesByRoute(now, 'mismatch_rate')
    for (const route of ROUTES) {
      expect(rates[route], route).toEqual([])
      expect(valuesByRoute(now, 'unjudged_rate')[route], route).toEqual([1])
    }
    expect(await run('Mismatch rate per route (judged pairs)', ALL_VALUES, TIMEOUT_DB)).toEqual([])
    const overTime = valuesByRoute(await run('Unjudged rate per route', ALL_VALUES, TIMEOUT_DB), 'unjudged_rate')
    for (const route of ROUTES) expect(new Set(overTime[route]), route).toEqual(new Set([1]))
    const total = STEPS * ROUTES.length
    expect(sumColumn(await run('Audited pairs', ALL_VALUES, TIMEOUT_DB), 'pairs')).toBe(total)
    expect(sumColumn(await run('Shadow errors and timeouts', ALL_VALUES, TIMEOUT_DB), 'failed')).toBe(total)
    expect(sumByTagValue(await run('Audited pairs per second by outcome', ALL_VALUES, TIMEOUT_DB), 'outcome', 'pairs_per_s').shadow_timeout! * 10).toBeCloseTo(total, 9)
    expect(await run('Top differing field paths (pairs, elements)', ALL_VALUES, TIMEOUT_DB)).toEqual([])
    // Every other panel still runs and keeps its shape on this data.
    for (const { panel, target } of targets) {
      const shape = PANEL_SHAPES[panel.title]
      const series = await influx.query(interpolateQuery(target.query ?? '', panelSubstitution(panel, ALL_VALUES)), TIMEOUT_DB)
      for (const s of series) expect(s.columns, panel.title).toEqual(['time', ...(shape?.columns ?? [])])
    }
  })
})

function sumByTagValue(series: InfluxSeries[], tag: string, column: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of series) out[s.tags?.[tag] ?? ''] = (out[s.tags?.[tag] ?? ''] ?? 0) + sumColumn([s], column)
  return out
}
