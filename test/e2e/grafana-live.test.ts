import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InfluxSeries } from '@shadowgate/dev-helpers'
import { ALL_VALUES, PANEL_SHAPES, allPanels, grafanaRegexValue, interpolateQuery, loadDashboards, panelSubstitution } from '../grafana/grafana-dashboards.js'
import type { DifferingRoute } from './differing-upstreams.js'
import { E2E_CLOSE_LIMIT_MS, E2E_DB, startE2eStack, type E2eStack } from './e2e-stack.js'
import { sendRoute, sendTraffic, sendUnmatched, type WrongAnswer } from './send-traffic.js'

// Every panel of every dashboard, run as Grafana would run it, on what the real pipeline wrote:
// gateway -> BullMQ -> audit worker -> influxd, plus the gateway's own counters.

const PLAN = { price: 4, rename: 3, noise: 5, gzip: 2, text: 2, reorder: 2, fail: 3, 'sampled-out': 3 } as const satisfies Partial<Record<DifferingRoute, number>>
/** Copies to a shadow nobody listens on: refused, audited as shadow_error (fewer than the breaker's 10 failures). */
const DOWN = 2
const UNMATCHED = 2
const AUDITED_ROUTES = ['price', 'rename', 'noise', 'gzip', 'text', 'reorder', 'fail', 'down'].sort()
const AUDITED = PLAN.price + PLAN.rename + PLAN.noise + PLAN.gzip + PLAN.text + PLAN.reorder + PLAN.fail + DOWN
const MIRRORED = AUDITED




function sumColumn(series: InfluxSeries[], column: string): number {
  let total = 0
  for (const s of series) {
    const idx = s.columns.indexOf(column)
    for (const row of s.values) total += Number(row[idx] ?? 0)
  }
  return total
}

/** Per value of one tag, the sum of a column: `{ price: 4, ... }`. */
function sumByTag(series: InfluxSeries[], tag: string, column: string): Record<string, number> {
  return Object.fromEntries(series.map((s) => [s.tags?.[tag] ?? '', sumColumn([s], column)]))
}

/** A per-second panel's series as counts: rate × the 10 s interval the panels are run with, rounded. */
function countsByTag(series: InfluxSeries[], tag: string, column: string): Record<string, number> {
  return Object.fromEntries(Object.entries(sumByTag(series, tag, column)).map(([k, v]) => [k, Math.round(v * 10)]))
}

/**
 * Panels that need traffic this pipeline does not send (writes on a route declared readOnly, requests
 * slower than slowThreshold, stage changes, a write log, a gate): their queries still run and are
 * shape-checked, but may be empty here.
 * dashboard-queries.test.ts checks each of them on data that has what they show.
 */
const EMPTY_ON_THIS_TRAFFIC = new Set([
  'Writes on read-only routes',
  'Writes seen on routes declared read-only',
  'Slow requests',
  'Slow requests per second, by route and side',
  'Migration stage per route',
  'Replay lag per route',
  'Replayed writes per second by result',
  'Replayed writes that differ (status)',
  'Gate decisions per route',
])

describe('Grafana dashboards on real pipeline traffic', () => {
  let stack: E2eStack
  const wrong: WrongAnswer[] = []
  let unmatchedStatuses: number[] = []
  const dashboards = loadDashboards()
  const targets = dashboards.flatMap(({ dashboard }) => allPanels(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target }))))

  const run = async (title: string, route = ALL_VALUES): Promise<InfluxSeries[]> => {
    const t = targets.find((x) => x.panel.title === title)
    if (!t) throw new Error(`no panel titled "${title}"`)
    return stack.influx.query(interpolateQuery(t.target.query ?? '', panelSubstitution(t.panel, route)), E2E_DB)
  }

  beforeAll(async () => {
    stack = await startE2eStack()
    wrong.push(...(await sendTraffic(stack.traffic, PLAN)))
    // One at a time, so the shadow's breaker sees each failure before the next copy.
    for (let i = 1; i <= DOWN; i++) wrong.push(...(await sendRoute(stack.traffic, 'down', 1, i)))
    unmatchedStatuses = await sendUnmatched(stack.traffic, UNMATCHED)
    await stack.drain()
    await stack.closeGateway()
  }, 180_000)
  afterAll(async () => {
    await stack?.close()
  }, E2E_CLOSE_LIMIT_MS)

  it('drove the traffic the expectations assume', () => {
    expect(wrong).toEqual([])
    expect(unmatchedStatuses).toEqual(Array.from({ length: UNMATCHED }, () => 404))
    expect(stack.gateway.auditStats()).toMatchObject({ enqueued: AUDITED })
  })

  it('knows every panel of every dashboard', () => {
    expect(targets.length).toBeGreaterThan(0)
    for (const { panel } of targets) expect(PANEL_SHAPES[panel.title], `no expectation for panel "${panel.title}"`).toBeDefined()
  })

  it('the route variable lists exactly the audited routes (the traffic dashboard: every route that saw requests)', async () => {
    for (const { dashboard } of dashboards) {
      for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
        const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '')
        const series = await stack.influx.query(q, E2E_DB)
        // The traffic dashboard's variables read every request (shadowgate_access): its route list has the
        // routes that saw requests, its caller list the callers (no identity header here: anonymous).
        const expected = !q.includes('shadowgate_access') ? AUDITED_ROUTES : q.includes('"caller"') ? ['(anonymous)'] : [...AUDITED_ROUTES, 'sampled-out', '(unmatched)'].sort()
        expect(series.flatMap((s) => s.values.map((row) => String(row[s.columns.indexOf('value')]))).sort(), q).toEqual(expected)
      }
    }
  })

  for (const selection of [
    // Every configured route writes its mirror percent (shadowgate_route), also those no request reached.
    { label: 'All', value: ALL_VALUES, routes: [...AUDITED_ROUTES, 'sampled-out', '(unmatched)', 'unaudited'] },
    { label: 'fail and down', value: grafanaRegexValue(['fail', 'down']), routes: ['fail', 'down'] },
  ]) {
    it(`every panel returns non-empty series of the expected shape (route = ${selection.label})`, async () => {
      for (const { panel, target } of targets) {
        const shape = PANEL_SHAPES[panel.title]
        if (!shape) throw new Error(`no expectation for ${panel.title}`)
        const q = interpolateQuery(target.query ?? '', panelSubstitution(panel, selection.value))
        const series = await stack.influx.query(q, E2E_DB)
        if (!EMPTY_ON_THIS_TRAFFIC.has(panel.title)) expect(series.length, `${panel.title}: ${q}`).toBeGreaterThan(0)
        for (const s of series) {
          expect(s.columns, q).toEqual(['time', ...shape.columns])
          expect(Object.keys(s.tags ?? {}).sort(), q).toEqual([...shape.tags].sort())
          expect(s.values.some((row) => row.slice(1).some((v) => v !== null)), q).toBe(true)
          const route = s.tags?.['route']
          if (route !== undefined) expect(selection.routes, q).toContain(route)
        }
      }
    })
  }

  it('stat panels add up to the traffic sent', async () => {
    expect(sumColumn(await run('Audited pairs'), 'pairs')).toBe(AUDITED)
    expect(sumColumn(await run('Audited pairs', grafanaRegexValue(['price', 'fail'])), 'pairs')).toBe(PLAN.price + PLAN.fail)
    expect(sumColumn(await run('Requests mirrored'), 'mirrored')).toBe(MIRRORED)
    expect(sumColumn(await run('Requests mirrored', grafanaRegexValue(['noise'])), 'mirrored')).toBe(PLAN.noise)
    expect(sumColumn(await run('Shadow errors and timeouts'), 'failed')).toBe(DOWN)
  })

  it('mismatch rates are 1 where every pair differs, 0 where none does, and absent (never 0) where no pair was judged', async () => {
    for (const title of ['Mismatch rate now (judged pairs), per route', 'Mismatch rate per route (judged pairs)']) {
      const series = await run(title)
      const rate = Object.fromEntries(series.map((s) => [s.tags?.['route'], s.values.filter((r) => r[1] !== null).map((r) => Number(r[1]))]))
      for (const r of ['price', 'rename', 'gzip', 'text', 'reorder', 'fail']) expect(new Set(rate[r]), `${title} ${r}`).toEqual(new Set([1]))
      expect(new Set(rate['noise']), `${title} noise`).toEqual(new Set([0]))
      expect(rate['down'] ?? [], `${title} down: every copy was refused`).toEqual([])
    }
    const unjudged = await run('Unjudged rate per route')
    const byRoute = Object.fromEntries(unjudged.map((s) => [s.tags?.['route'], new Set(s.values.filter((r) => r[1] !== null).map((r) => Number(r[1])))]))
    expect(byRoute['down']).toEqual(new Set([1]))
    expect(byRoute['price']).toEqual(new Set([0]))
  })

  it('time series add up per outcome, reason and route', async () => {
    expect(countsByTag(await run('Audited pairs per second by outcome'), 'outcome', 'pairs_per_s')).toEqual({
      match: PLAN.noise,
      mismatch: PLAN.price + PLAN.rename + PLAN.gzip + PLAN.text + PLAN.reorder + PLAN.fail,
      shadow_error: DOWN,
    })
    expect(countsByTag(await run('Requests per second, mirrored vs not mirrored, by reason'), 'reason', 'requests_per_s')).toEqual({
      mirrored: MIRRORED,
      not_sampled: PLAN['sampled-out'],
      no_route: UNMATCHED,
    })
    expect(countsByTag(await run('Audited pairs per second, per route'), 'route', 'pairs_per_s')).toEqual({
      price: PLAN.price,
      rename: PLAN.rename,
      noise: PLAN.noise,
      gzip: PLAN.gzip,
      text: PLAN.text,
      reorder: PLAN.reorder,
      fail: PLAN.fail,
      down: DOWN,
    })
    expect(countsByTag(await run('Pairs per second with a status code mismatch, per route'), 'route', 'pairs_per_s')).toEqual({ fail: PLAN.fail })
  })

  it('latency panels have a primary and a shadow value for every audited route', async () => {
    for (const title of ['Latency p50: primary vs shadow', 'Latency p99: primary vs shadow']) {
      const series = await run(title)
      expect(series.map((s) => s.tags?.['route']).sort(), title).toEqual(AUDITED_ROUTES)
      for (const s of series) {
        const row = s.values.find((r) => r[1] !== null)
        expect(Number(row?.[1]), `${title} ${s.tags?.['route']} primary`).toBeGreaterThanOrEqual(0)
        // A refused copy has no shadow response, but its failure time is still measured.
        expect(row?.[2], `${title} ${s.tags?.['route']} shadow`).not.toBeNull()
      }
    }
  })

  it('the top differing field paths table lists each known difference with its pair count', async () => {
    const rows = await run('Top differing field paths (pairs, elements)')
    for (const s of rows) expect(s.columns).toEqual(['time', 'pairs', 'elements'])
    expect(Object.fromEntries(rows.map((s) => [`${s.tags?.['route']} ${s.tags?.['path']} ${s.tags?.['kind']}`, Number(s.values[0]?.[1])]))).toEqual({
      'price $.price changed': PLAN.price,
      'rename $.name removed': PLAN.rename,
      'rename $.title added': PLAN.rename,
      'gzip $.total changed': PLAN.gzip,
      'text $ changed': PLAN.text,
      'reorder $.tags[*] added': PLAN.reorder,
      'reorder $.tags[*] removed': PLAN.reorder,
      'fail status changed': PLAN.fail,
      'fail $.id removed': PLAN.fail,
      'fail $.value removed': PLAN.fail,
      'fail $.error added': PLAN.fail,
    })
  })
})
