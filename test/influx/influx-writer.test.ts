import { Point } from '@influxdata/influxdb-client'
import type { InfluxConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditPoint } from '../../audit-service/src/influx/audit-point.js'
import { InfluxWriter } from '@shadowgate/influx'
import type { Verdict } from '../../audit-service/src/verdict/verdict.js'
import { waitFor, startServer, type TestServer, startInfluxd, type TestInflux, startVictoriaMetrics, type TestVictoriaMetrics } from '@shadowgate/dev-helpers'

const common = { flushMs: 50, batchSize: 100, maxBufferLines: 1_000, maxRetries: 3, gatewayWindowMs: 10_000 }

function v1(url: string, database: string, extra: Partial<Extract<InfluxConfig, { version: 1 }>> = {}): InfluxConfig {
  return { version: 1, url, database, retentionPolicy: undefined, username: undefined, password: undefined, ...common, ...extra }
}

const verdict: Verdict = {
  outcome: 'mismatch',
  reason: 'body',
  differences: [],
  differenceCount: 2,
  fingerprint: 'fp1',
  primaryStatus: 200,
  shadowStatus: 200,
  primaryMs: 12.5,
  shadowMs: 30,
}

describe('InfluxWriter on InfluxDB 1.x (v1 /write through the transport mapping)', () => {
  let influx: TestInflux
  const writers: InfluxWriter[] = []
  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase('sg')
  })
  afterAll(async () => {
    for (const w of writers) await w.close()
    await influx?.close()
  })
  const writer = (cfg: InfluxConfig, opts: ConstructorParameters<typeof InfluxWriter>[1] = {}): InfluxWriter => {
    const w = new InfluxWriter(cfg, opts)
    writers.push(w)
    return w
  }

  it('writes the exact point with its nanosecond timestamp, and a re-written point does not add one', async () => {
    const w = writer(v1(influx.url, 'sg'))
    const ts = '1700000000123456789'
    const p = auditPoint({ route: 'orders', method: 'GET', verdict, timestampNs: ts })
    expect(await w.writeConfirmed([p])).toBe('written')
    const series = await influx.query('SELECT * FROM shadowgate_audit', 'sg')
    expect(series).toHaveLength(1)
    const s = series[0]!
    const row = Object.fromEntries(s.columns.map((c, i) => [c, s.values[0]![i]]))
    expect(s.values).toHaveLength(1)
    const { time: _time, ...rest } = row
    expect(rest).toEqual({
      route: 'orders',
      method: 'GET',
      outcome: 'mismatch',
      judged: 1,
      // Which side served the client: a pair from a gateway without stages is old.
      served: 'old',
      mismatch: 1,
      primary_ms: 12.5,
      shadow_ms: 30,
      primary_status: 200,
      shadow_status: 200,
      diff_paths: 2,
      fingerprint: 'fp1',
      reason: 'body',
    })
    // The ns timestamp survives exactly (the float above is lossy, so compare the string form too).
    const exact = await fetch(`${influx.url}/query?${new URLSearchParams({ db: 'sg', q: 'SELECT mismatch FROM shadowgate_audit', epoch: 'ns' })}`).then((r) => r.text())
    expect(exact).toContain('1700000000123456789')
    expect(await w.writeConfirmed([auditPoint({ route: 'orders', method: 'GET', verdict, timestampNs: ts })])).toBe('written')
    expect(await w.writeConfirmed([auditPoint({ route: 'orders', method: 'GET', verdict, timestampNs: '1700000000123456790' })])).toBe('written')
    const count = await influx.query('SELECT count(judged) FROM shadowgate_audit', 'sg')
    expect(count[0]?.values[0]?.[1]).toBe(2)
    expect(w.stats()).toMatchObject({ writtenLines: 3, droppedLines: 0, pendingLines: 0 })
  })

  it('writes into the configured retention policy', async () => {
    await influx.query('CREATE RETENTION POLICY "short" ON "sg" DURATION 1h REPLICATION 1', 'sg')
    const w = writer(v1(influx.url, 'sg', { retentionPolicy: 'short' }))
    // Within the policy's 1 h duration, or InfluxDB discards the point.
    const ms = Date.now()
    expect(await w.writeConfirmed([new Point('rp_probe').tag('t', 'a').intField('f', 7).timestamp(`${ms}000000`)])).toBe('written')
    const series = await influx.query('SELECT f FROM "sg"."short"."rp_probe"', 'sg')
    expect(series[0]?.values).toEqual([[ms * 1_000_000, 7]])
    expect(await influx.query('SELECT f FROM "sg"."autogen"."rp_probe"', 'sg')).toEqual([])
  })

  it('fire-and-forget writes are batched and delivered by the flush interval', async () => {
    const w = writer(v1(influx.url, 'sg'))
    w.write([new Point('ff_probe').intField('f', 1).timestamp('1700000000000000001'), new Point('ff_probe').intField('f', 2).timestamp('1700000000000000002')])
    await waitFor(async () => (await influx.query('SELECT count(f) FROM ff_probe', 'sg'))[0]?.values[0]?.[1] === 2, 10_000, 'batched points')
    // InfluxDB stores the lines before its 204 reaches the writer.
    await waitFor(() => w.stats().writtenLines === 2, 10_000, 'the acknowledgement')
    expect(w.stats()).toMatchObject({ writtenLines: 2, pendingLines: 0 })
  })

  it('keeps writing while InfluxDB is down: buffers within maxBufferLines, counts drops, delivers the rest after a restart', async () => {
    const w = writer(v1(influx.url, 'sg', { maxBufferLines: 10, maxRetries: 50, flushMs: 20, batchSize: 1 }), { minRetryDelayMs: 100, maxRetryDelayMs: 300 })
    await influx.stop()
    for (let i = 0; i < 30; i++) {
      w.write([new Point('outage_probe').intField('f', i).timestamp(`17000000000000${String(i).padStart(5, '0')}`)])
      await new Promise((r) => setTimeout(r, 5))
    }
    await waitFor(() => w.stats().failedWrites >= 30, 20_000, 'every first attempt to fail')
    const during = w.stats()
    expect(during.droppedLines).toBeGreaterThan(0)
    expect(during.pendingLines).toBeLessThanOrEqual(10)
    await influx.start()
    await waitFor(() => w.stats().pendingLines === 0, 20_000, 'the retry buffer to drain')
    const after = w.stats()
    expect(after.writtenLines + after.droppedLines).toBe(30)
    const stored = (await influx.query('SELECT count(f) FROM outage_probe', 'sg'))[0]?.values[0]?.[1]
    expect(stored).toBe(30 - after.droppedLines)
  })

  it('a confirmed write that fails hands its lines back: nothing buffered, nothing dropped, nothing sent later', async () => {
    const w = writer(v1(influx.url, 'sg', { maxRetries: 50 }), { minRetryDelayMs: 100, maxRetryDelayMs: 300 })
    await influx.stop()
    const results: string[] = []
    try {
      for (let i = 0; i < 5; i++) results.push(await w.writeConfirmed([new Point('handback_probe').intField('f', i).timestamp(`17000000000000${String(i).padStart(5, '0')}`)]))
    } finally {
      await influx.start()
    }
    expect(results).toEqual(['failed', 'failed', 'failed', 'failed', 'failed'])
    expect(w.stats()).toMatchObject({ pendingLines: 0, droppedLines: 0, writtenLines: 0, failedWrites: 5 })
    expect(await w.writeConfirmed([new Point('handback_probe').intField('f', 9).timestamp('1700000000000099999')])).toBe('written')
    // Had the failed lines been kept for a retry, they would arrive now, next to the acknowledged one.
    await new Promise((r) => setTimeout(r, 600))
    expect((await influx.query('SELECT count(f) FROM handback_probe', 'sg'))[0]?.values[0]?.[1]).toBe(1)
  })

  it('counts lines InfluxDB rejects (4xx) as dropped without retrying', async () => {
    const w = writer(v1(influx.url, 'no_such_db'))
    expect(await w.writeConfirmed([new Point('x').intField('f', 1).timestamp('1700000000000000001')])).toBe('rejected')
    expect(w.stats()).toMatchObject({ droppedLines: 1, pendingLines: 0, writtenLines: 0 })
  })
})

describe('InfluxWriter request shapes', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer((_req, res) => {
      res.statusCode = 204
      res.end()
    })
  })
  afterAll(async () => server?.close())

  it('v1 maps the v2 write path to /write with db, rp, precision and u/p credentials', async () => {
    const w = new InfluxWriter(v1(server.url, 'my db', { retentionPolicy: 'rp1', username: 'user', password: 'p&ss' }))
    expect(await w.writeConfirmed([new Point('m').tag('t', 'a b').intField('f', 1).timestamp('1700000000000000001')])).toBe('written')
    await w.close()
    const req = server.received.at(-1)!
    const url = new URL(req.url, server.url)
    expect(url.pathname).toBe('/write')
    expect(Object.fromEntries(url.searchParams)).toEqual({ db: 'my db', rp: 'rp1', precision: 'n', u: 'user', p: 'p&ss' })
    expect(req.body.toString()).toBe('m,t=a\\ b f=1i 1700000000000000001')
  })

  it('v2 posts to /api/v2/write with org, bucket, ns precision and the token', async () => {
    const cfg: InfluxConfig = { version: 2, url: server.url, token: 'tok', org: 'acme', bucket: 'audit', ...common }
    const w = new InfluxWriter(cfg)
    expect(await w.writeConfirmed([new Point('m').intField('f', 1).timestamp('1700000000000000001')])).toBe('written')
    await w.close()
    const req = server.received.at(-1)!
    const url = new URL(req.url, server.url)
    expect(url.pathname).toBe('/api/v2/write')
    expect(Object.fromEntries(url.searchParams)).toEqual({ org: 'acme', bucket: 'audit', precision: 'ns' })
    expect(req.headers.authorization).toBe('Token tok')
  })

  it('close() is idempotent and counts what it could not deliver', async () => {
    const dead = await startServer((_req, res) => {
      res.statusCode = 503
      res.end()
    })
    const w = new InfluxWriter(v1(dead.url, 'x', { maxRetries: 10 }), { minRetryDelayMs: 60_000, maxRetryDelayMs: 60_000, closeTimeoutMs: 200 })
    w.write([new Point('m').intField('f', 1).timestamp('1')])
    await waitFor(() => w.stats().failedWrites === 1, 5_000, 'the first attempt to fail')
    await Promise.all([w.close(), w.close()])
    expect(w.stats()).toMatchObject({ droppedLines: 1, pendingLines: 0 })
    w.write([new Point('m').intField('f', 2).timestamp('2')])
    expect(w.stats().droppedLines).toBe(2)
    // A confirmed write after close is handed back, not dropped: its job keeps the points.
    expect(await w.writeConfirmed([new Point('m').intField('f', 3).timestamp('3')])).toBe('failed')
    expect(w.stats().droppedLines).toBe(2)
    await dead.close()
  })
})

describe('InfluxWriter on the InfluxDB v2 write API (victoria-metrics)', () => {
  let vm: TestVictoriaMetrics
  beforeAll(async () => {
    vm = await startVictoriaMetrics()
  })
  afterAll(async () => vm?.close())

  it('writes shadowgate_audit fields that read back as <measurement>_<field> series with the tags', async () => {
    const w = new InfluxWriter({ version: 2, url: vm.url, token: 't', org: 'o', bucket: 'b', ...common })
    const ts = `${Date.now()}000001`
    expect(await w.writeConfirmed([auditPoint({ route: 'orders', method: 'POST', verdict, timestampNs: ts })])).toBe('written')
    await w.close()
    let rows: Awaited<ReturnType<TestVictoriaMetrics['promQuery']>> = []
    await waitFor(async () => (rows = await vm.promQuery('shadowgate_audit_primary_status')).length > 0, 15_000, 'the series')
    expect(rows[0]?.metric).toMatchObject({ route: 'orders', method: 'POST', outcome: 'mismatch' })
    expect(rows[0]?.value[1]).toBe('200')
    const mismatch = await vm.promQuery('shadowgate_audit_mismatch')
    expect(mismatch[0]?.value[1]).toBe('1')
    const ms = await vm.promQuery('shadowgate_audit_primary_ms')
    expect(ms[0]?.value[1]).toBe('12.5')
  })
})
