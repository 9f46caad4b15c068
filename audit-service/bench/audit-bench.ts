/**
 * Audit worker throughput: jobs per second of one worker (BullMQ fetch, decode, diff, InfluxDB
 * write) for 4 KB and 100 KB JSON pairs, 10 % of them mismatching. Starts its own redis-server and
 * influxd on free ports. Run: npm run bench:audit
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { AUDIT_QUEUE_NAME, SAME_AS_PRIMARY, parseConfig, type AuditJob, type CapturedResponse } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { setLogger } from '@influxdata/influxdb-client'
import { createAuditService } from '../src/worker/audit-service.js'

// Each case has its own time range (baseMs) so its InfluxDB points can be counted apart.
const CASES = [
  { label: '4 KB', bytes: 4 * 1024, jobs: 4_000, concurrency: 4, baseMs: 1_700_000_000_000 },
  { label: '4 KB', bytes: 4 * 1024, jobs: 4_000, concurrency: 16, baseMs: 1_701_000_000_000 },
  { label: '100 KB', bytes: 100 * 1024, jobs: 400, concurrency: 4, baseMs: 1_702_000_000_000 },
]
type Case = (typeof CASES)[number]
const MISMATCH_EVERY = 10

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address()
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function startProcesses(dir: string): Promise<{ redisUrl: string; influxUrl: string; procs: ChildProcess[] }> {
  const redisPort = await freePort()
  const influxPort = await freePort()
  const rpcPort = await freePort()
  const conf = join(dir, 'influxdb.conf')
  await writeFile(
    conf,
    `reporting-disabled = true\nbind-address = "127.0.0.1:${rpcPort}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:${influxPort}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n`,
  )
  const procs = [
    spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }),
    spawn('influxd', ['-config', conf], { stdio: 'ignore' }),
  ]
  const influxUrl = `http://127.0.0.1:${influxPort}`
  await until(async () => (await fetch(`${influxUrl}/ping`)).status === 204, 20_000, 'influxd')
  await fetch(`${influxUrl}/query?q=${encodeURIComponent('CREATE DATABASE bench')}`, { method: 'POST' })
  return { redisUrl: `redis://127.0.0.1:${redisPort}`, influxUrl, procs }
}

function body(bytes: number, seed: number, mismatch: boolean): unknown {
  const items: unknown[] = []
  let size = 40
  for (let i = 0; size < bytes; i++) {
    const item = { id: i, sku: `SKU-${seed}-${i}`, name: `item number ${i} of order ${seed}`, price: mismatch && i === 3 ? 10.5 : 9.99, qty: i % 7, tags: ['a', 'b'] }
    size += JSON.stringify(item).length + 1
    items.push(item)
  }
  return { order: seed, currency: 'EUR', items }
}

function response(value: unknown): CapturedResponse {
  const text = JSON.stringify(value)
  const raw = Buffer.from(text)
  // As the producer does: bodies above 2 KB travel gzip+base64.
  const encoded = raw.length > 2_048 ? { encoding: 'gzip+base64' as const, data: gzipSync(raw).toString('base64') } : { encoding: 'utf8' as const, data: text }
  return { kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body: { ...encoded, size: raw.length, truncated: false }, latencyMs: 3 }
}

/** As the producer does: a shadow body identical to the primary's travels as a reference. */
function sameAsPrimary(primary: CapturedResponse): CapturedResponse {
  return { ...primary, body: { encoding: SAME_AS_PRIMARY, data: '', size: primary.body.size, truncated: false }, latencyMs: 4 }
}

function job(i: number, c: Case): AuditJob {
  const mismatch = i % MISMATCH_EVERY === 0
  const primary = response(body(c.bytes, i, false))
  return {
    v: 1,
    id: `bench-${c.baseMs}-${i}`,
    instance: 'bench',
    capturedAtNs: `${c.baseMs + i}000001`,
    route: 'orders',
    request: { method: 'GET', path: `/orders/${i}`, query: '', headers: {}, bodySize: 0, bodySha256: '', caller: '127.0.0.1' },
    primary,
    shadow: mismatch ? response(body(c.bytes, i, true)) : sameAsPrimary(primary),
  }
}

async function influxCount(url: string, c: Case): Promise<number> {
  const q = `SELECT count(judged) FROM shadowgate_audit WHERE time >= ${c.baseMs}000000 AND time <= ${c.baseMs + c.jobs}000000`
  const res = await fetch(`${url}/query?${new URLSearchParams({ db: 'bench', q })}`, { method: 'POST' })
  const b = (await res.json()) as { results?: { series?: { values: [unknown, number][] }[] }[] }
  return b.results?.[0]?.series?.[0]?.values[0]?.[1] ?? 0
}

async function main(): Promise<void> {
  setLogger({ error: () => undefined, warn: () => undefined })
  const dir = await mkdtemp(join(tmpdir(), 'sg-audit-bench-'))
  const { redisUrl, influxUrl, procs } = await startProcesses(dir)
  const rows: string[][] = []
  try {
    for (const c of CASES) {
      const prefix = `bench${c.baseMs}`
      const config = parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${redisUrl}", prefix: ${prefix} }
influx: { url: "${influxUrl}", database: bench }
worker: { concurrency: ${c.concurrency} }
routes: [{ name: orders, match: "/orders/*" }]
`)
      const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redisUrl }, prefix })
      for (let i = 0; i < c.jobs; i += 200) {
        const batch = Array.from({ length: Math.min(200, c.jobs - i) }, (_, k) => job(i + k, c))
        await queue.addBulk(batch.map((j) => ({ name: 'pair', data: j, opts: { jobId: j.id } })))
      }
      const service = createAuditService(config, { logger: pino({ level: 'warn' }) })
      const t0 = performance.now()
      await service.start()
      await until(async () => {
        const n = await queue.getJobCounts('wait', 'active')
        return n.wait === 0 && n.active === 0
      }, 600_000, `${c.label} jobs`)
      const seconds = (performance.now() - t0) / 1000
      await service.close()
      await queue.close()
      const points = await influxCount(influxUrl, c)
      const payload = Buffer.byteLength(JSON.stringify(body(c.bytes, 1, false)))
      rows.push([c.label, String(payload), String(c.concurrency), String(c.jobs), `${c.jobs / MISMATCH_EVERY}`, seconds.toFixed(2), (c.jobs / seconds).toFixed(0), String(points)])
    }
  } finally {
    for (const p of procs) p.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    await rm(dir, { recursive: true, force: true })
  }
  const head = ['pair size', 'body bytes', 'concurrency', 'jobs', 'mismatching', 'seconds', 'jobs/s', 'influx points']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  console.log(`one audit worker (worker.concurrency as listed), node ${process.version}, InfluxDB 1.x on the same host`)
  console.log(line(head))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows) console.log(line(r))
}

await main()
