import { readdirSync, readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditPoint } from '../../audit-service/src/influx/audit-point.js'
import type { Verdict } from '../../audit-service/src/verdict/verdict.js'
import { startInfluxd, type TestInflux } from '@shadowgate/dev-helpers'
import { loadEventPoint } from '@shadowgate/influx'
import { replayLines } from './replay-lines.js'
import { GRAFANA_DIR } from './grafana-dashboards.js'

// The provisioned alert rules: well-formed for Grafana's file provisioning, and their queries run on
// a real influxd against points in the schema the services write, with the outcome Grafana would reach.

interface Query {
  refId: string
  datasourceUid: string
  relativeTimeRange?: { from: number; to: number }
  model: { refId: string; type?: string; expression?: string; reducer?: string; query?: string; rawQuery?: boolean; conditions?: { evaluator: { type: string; params: number[] } }[] }
}
interface Rule {
  uid: string
  title: string
  condition: string
  for: string
  isPaused?: boolean
  noDataState: string
  execErrState: string
  labels: Record<string, string>
  annotations: Record<string, string>
  data: Query[]
}
interface AlertFile {
  apiVersion: number
  groups: { orgId: number; name: string; folder: string; interval: string; rules: Rule[] }[]
}

const DIR = `${GRAFANA_DIR}provisioning/alerting/`
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'))
const rules: Rule[] = files.flatMap((f) => (parseYaml(readFileSync(`${DIR}${f}`, 'utf8')) as AlertFile).groups.flatMap((g) => g.rules))
const datasource = (parseYaml(readFileSync(`${GRAFANA_DIR}provisioning/datasources/influxdb.yaml`, 'utf8')) as { datasources: { uid: string }[] }).datasources[0]?.uid
const DB = 'shadowgate_alerts'

/** What Grafana concludes per series: reduce A with `last`, then compare with the threshold of C. */
function firing(rule: Rule, series: { tags?: Record<string, string>; values: unknown[][] }[]): string[] {
  const threshold = rule.data.find((q) => q.refId === rule.condition)?.model.conditions?.[0]?.evaluator
  if (!threshold) throw new Error(`${rule.uid}: no threshold`)
  const [limit = NaN] = threshold.params
  return series
    .filter((s) => {
      const last = s.values.map((row) => row[1]).filter((v) => v !== null).at(-1)
      return last !== undefined && (threshold.type === 'gt' ? Number(last) > limit : Number(last) < limit)
    })
    .map((s) => s.tags?.['route'] ?? '')
}

describe('provisioned alert rules', () => {
  let influx: TestInflux

  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    const now = Date.now()
    const lines: string[] = []
    // Last 5 minutes: "orders" differs on every other pair, "catalog" on 1 in 100.
    for (let i = 0; i < 100; i++) {
      const ts = `${(now - 300_000 + i * 3_000) * 1_000_000}`
      for (const [route, mismatch] of [['orders', i % 2 === 0], ['catalog', i === 0]] as const) {
        const verdict: Verdict = { outcome: mismatch ? 'mismatch' : 'match', reason: 'r', differences: [], differenceCount: 0, fingerprint: mismatch ? 'fp' : undefined, primaryStatus: 200, shadowStatus: 200, primaryMs: 5, shadowMs: 6 }
        lines.push(auditPoint({ route, method: 'GET', verdict, timestampNs: ts }).toLineProtocol() ?? '')
      }
    }
    // Replay windows every 30 s: "orders" falls further behind up to 300 s, "catalog" stays 2 s behind.
    for (let i = 0; i < 10; i++) {
      const at = now - 300_000 + i * 30_000
      lines.push(...replayLines([{ route: 'orders', at, lag: { entries: 100 * (i + 1), seconds: 30 * (i + 1) }, counts: { replayed: 5 } }, { route: 'catalog', at, lag: { entries: 1, seconds: 2 }, counts: { replayed: 50 } }]))
    }
    // A load test on "orders" passes a brake; the one on "catalog" is stopped by hand.
    const load = (route: string, event: 'step' | 'stop' | 'brake', percent: number, reason: string, ago: number): string => loadEventPoint({ route, event, percent, reason, p99Ms: 30, errorRate: 0, at: now - ago }).toLineProtocol() ?? ''
    lines.push(load('orders', 'step', 200, 'ramp to 200 %', 240_000), load('orders', 'brake', 200, 'shadow 5xx rate 0.2 > 0.05', 120_000), load('catalog', 'step', 150, 'ramp to 150 %', 200_000), load('catalog', 'stop', 150, 'load stop', 100_000))
    const res = await fetch(`${influx.url}/write?db=${DB}&precision=ns`, { method: 'POST', body: lines.join('\n') })
    expect(res.status).toBe(204)
  })
  afterAll(async () => {
    await influx?.close()
  })

  it('are well-formed: unique uids, the provisioned datasource, a condition that exists, reduce then threshold', () => {
    expect(rules.map((r) => r.uid).sort()).toEqual(['shadowgate-load-brake', 'shadowgate-mismatch-spike', 'shadowgate-replay-lag'])
    for (const rule of rules) {
      const refs = rule.data.map((q) => q.refId)
      expect(new Set(refs).size, rule.uid).toBe(refs.length)
      expect(refs, rule.uid).toContain(rule.condition)
      const [a, b, c] = rule.data
      expect(a?.datasourceUid, rule.uid).toBe(datasource)
      expect(a?.model.rawQuery, rule.uid).toBe(true)
      expect(b?.model).toMatchObject({ type: 'reduce', expression: 'A', reducer: 'last' })
      expect(c?.model).toMatchObject({ type: 'threshold', expression: 'B' })
      expect(['OK', 'NoData', 'Alerting', 'KeepLast']).toContain(rule.noDataState)
      expect(rule.labels.team).toBe('shadowgate')
      // Grafana expands $NAME in provisioned labels and queries; only annotations may hold templates.
      expect(JSON.stringify({ labels: rule.labels, data: rule.data }), rule.uid).not.toContain('$')
    }
  })

  it('are all active: none paused, none a placeholder', () => {
    for (const rule of rules) {
      expect(rule.isPaused, rule.uid).toBeUndefined()
      expect(rule.labels.placeholder, rule.uid).toBeUndefined()
      expect(`${rule.title} ${rule.annotations.description ?? ''}`, rule.uid).not.toMatch(/placeholder/i)
    }
  })

  it.each(rules.map((r) => [r.uid, r] as const))('%s: its query runs on a real InfluxDB and finds the series the services write', async (_uid, rule) => {
    const series = await influx.query(rule.data[0]?.model.query ?? '', DB)
    expect(series.length).toBeGreaterThan(0)
    for (const s of series) expect(['catalog', 'orders']).toContain(s.tags?.['route'])
  })

  it('the mismatch spike fires for the route at 50 % and not for the one at 1 %', async () => {
    const rule = rules.find((r) => r.uid === 'shadowgate-mismatch-spike')
    if (!rule) throw new Error('rule missing')
    const series = await influx.query(rule.data[0]?.model.query ?? '', DB)
    expect(firing(rule, series)).toEqual(['orders'])
  })

  it('replay lag fires for the route whose replay is 300 s behind and not for the one 2 s behind', async () => {
    const rule = rules.find((r) => r.uid === 'shadowgate-replay-lag')
    if (!rule) throw new Error('rule missing')
    expect(firing(rule, await influx.query(rule.data[0]?.model.query ?? '', DB))).toEqual(['orders'])
  })

  it('a brake event fires the load brake rule; a load test stopped by hand does not', async () => {
    const rule = rules.find((r) => r.uid === 'shadowgate-load-brake')
    if (!rule) throw new Error('rule missing')
    expect(firing(rule, await influx.query(rule.data[0]?.model.query ?? '', DB))).toEqual(['orders'])
  })
})
