import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditPoint } from '../../audit-service/src/influx/audit-point.js'
import { fieldDiffPoints } from '../../audit-service/src/influx/field-diff-points.js'
import type { Outcome, Verdict } from '../../audit-service/src/verdict/verdict.js'
import { startInfluxd, type TestInflux } from '@shadowgate/dev-helpers'

// The InfluxQL examples of the README and docs must run as written outside Grafana (regression:
// they used $timeFilter, which only Grafana expands; pasted into the influx shell they failed with
// "missing parameter: timeFilter"). Each is run against a real influxd holding points written by the
// worker's own point builders.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DOCS = ['README.md', 'docs/audit.md', 'docs/grafana-and-compose.md']
const DB = 'shadowgate'

/** Every line of a ```sql block (a trailing `-- comment` removed), and every inline `SELECT …` code span. */
export function documentedQueries(markdown: string): string[] {
  const out: string[] = []
  for (const block of markdown.matchAll(/```sql\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const q = line.replace(/\s+--\s.*$/, '').trim()
      if (q !== '') out.push(q)
    }
  }
  const prose = markdown.replace(/```[\s\S]*?```/g, '')
  for (const span of prose.matchAll(/`(SELECT [^`]+)`/g)) out.push(span[1] ?? '')
  return out
}

/** The Grafana form of a query, shown next to the runnable ones to say what Grafana needs. */
const isGrafanaForm = (q: string): boolean => q.includes('$timeFilter')

function line(route: string, outcome: Outcome, i: number, nowMs: number): string[] {
  const ts = `${(nowMs - i * 1000) * 1_000_000}`
  const differences = outcome === 'mismatch' ? [{ path: '$.items[*].price', exactPath: '$.items[0].price', kind: 'changed' as const }, { path: '$.items[*].price', exactPath: '$.items[1].price', kind: 'changed' as const }] : []
  const verdict: Verdict = { outcome, reason: 'r', differences, differenceCount: differences.length, fingerprint: outcome === 'mismatch' ? 'fp' : undefined, primaryStatus: 200, shadowStatus: outcome === 'shadow_timeout' ? 0 : 200, primaryMs: 3, shadowMs: 4 }
  return [auditPoint({ route, method: 'GET', verdict, timestampNs: ts }), ...fieldDiffPoints(route, differences, new Map(), ts)].map((p) => p.toLineProtocol() ?? '')
}

describe('InfluxQL examples in the README and docs', () => {
  let influx: TestInflux
  const queries = DOCS.flatMap((file) => documentedQueries(readFileSync(`${ROOT}${file}`, 'utf8')).map((q) => ({ file, q })))
  const runnable = queries.filter(({ q }) => !isGrafanaForm(q))

  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    const now = Date.now()
    const outcomes: Outcome[] = ['match', 'mismatch', 'shadow_timeout', 'skipped']
    const lines = Array.from({ length: 40 }, (_, i) => [...line('orders', outcomes[i % outcomes.length] ?? 'match', i, now), `shadowgate_gateway,instance=gw-1,reason=mirrored,route=orders count=3i ${(now - i * 1000) * 1_000_000}`, `shadowgate_access,caller=alice,instance=gw-1,method=POST,read_only=true,route=orders,status_class=2xx count=2i ${(now - i * 1000) * 1_000_000}`]).flat()
    const res = await fetch(`${influx.url}/write?db=${DB}&precision=ns`, { method: 'POST', body: lines.join('\n') })
    expect(res.status, await res.text()).toBe(204)
  })
  afterAll(async () => {
    await influx?.close()
  })

  it('finds the README examples', () => {
    expect(runnable.filter((x) => x.file === 'README.md').length).toBeGreaterThanOrEqual(5)
  })

  it('the Grafana form is only shown inline, never in a block meant to be pasted', () => {
    for (const file of DOCS) {
      const md = readFileSync(`${ROOT}${file}`, 'utf8')
      for (const block of md.matchAll(/```sql\n([\s\S]*?)```/g)) expect(block[1], file).not.toMatch(/\$timeFilter|\$__interval/)
    }
  })

  it.each(runnable.map(({ file, q }) => [file, q] as const))('%s: %s runs as written and returns data', async (_file, q) => {
    const series = await influx.query(q, DB)
    expect(series.length, q).toBeGreaterThan(0)
    expect(series.some((s) => s.values.some((row) => row.slice(1).some((v) => v !== null))), q).toBe(true)
  })

  it('the documented rates mean what the README says: mismatches over judged pairs, unjudged on their own', async () => {
    const rate = await influx.query(`SELECT mean("mismatch") FROM "shadowgate_audit" WHERE time > now() - 1h`, DB)
    expect(rate[0]?.values[0]?.[1]).toBe(0.5)
    const unjudged = await influx.query(`SELECT 1 - mean("judged") FROM "shadowgate_audit" WHERE time > now() - 1h`, DB)
    expect(unjudged[0]?.values[0]?.[1]).toBe(0.5)
  })
})
