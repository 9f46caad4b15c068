/**
 * Signal quality of the audit: a labelled corpus from real servers with known differences and known
 * noise (volatile fields, lagging reads, equivalent header spellings, a real field change, a
 * reordered array), judged by a real audit worker (Redis, influxd, re-checks, A/A noise), scored per
 * request: precision and recall of `persistent` mismatches and exact path sets.
 * Run: npm run bench:signal [-- --requests 200]
 */
import { parseArgs } from 'node:util'
import { setLogger } from '@influxdata/influxdb-client'
import { createAuditService } from '@shadowgate/audit-service'
import { AUDIT_QUEUE_NAME, parseConfig, type AuditJob, type CapturedOutcome } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { LAG_MS, SCENARIOS, startCorpusServer, writeBeforeRead, type CorpusServer, type Label } from './signal-corpus.js'
import { waitFor } from '@shadowgate/dev-helpers'
import { startSignalProcesses, type SignalProcesses } from './signal-processes.js'
import { addRows, rates, score, type Observed, type ScoreRow } from './signal-score.js'

const DB = 'signal'
const PREFIX = 'signal'
const LEARN = 60
const TARGET = 0.99
const DELAY_MS = 4 * LAG_MS

async function capture(origin: string, path: string): Promise<CapturedOutcome> {
  const started = performance.now()
  const res = await fetch(`${origin}${path}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) })
  const text = await res.text()
  return {
    kind: 'response',
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? '' },
    body: { encoding: 'utf8', data: text, size: Buffer.byteLength(text), truncated: false },
    latencyMs: performance.now() - started,
  }
}

/** A pair as the gateway captures it: the request sent at once to both sides. ns = ms·10⁶ + slot 42. */
async function capturedPair(route: string, key: number, ms: number, primary: string, shadow: string): Promise<AuditJob> {
  const path = `/${route}/${key}`
  if (route === 'lagging') writeBeforeRead(key)
  const [p, s] = await Promise.all([capture(primary, path), capture(shadow, path)])
  return {
    v: 1,
    id: `signal-${ms}`,
    instance: 'signal',
    capturedAtNs: `${ms}000042`,
    route,
    request: { method: 'GET', path, query: '', headers: { accept: 'application/json' }, bodySize: 0, bodySha256: '', caller: '127.0.0.1' },
    primary: p,
    shadow: s,
  }
}

async function influxRows(url: string, q: string): Promise<unknown[][]> {
  // Microseconds: nanosecond times do not survive JSON numbers, and every pair has its own millisecond.
  const res = await fetch(`${url}/query?${new URLSearchParams({ db: DB, q, epoch: 'u' })}`, { method: 'POST' })
  const body = (await res.json()) as { results?: { series?: { values: unknown[][] }[] }[] }
  return body.results?.[0]?.series?.[0]?.values ?? []
}

function pct(n: number): string {
  return n.toFixed(3)
}

interface ModeResult {
  readonly rows: [string, string, ScoreRow][]
  readonly total: ScoreRow
  readonly seconds: number
}

/** One full run: a fresh worker (own Redis prefix and time range), learning, then the scored corpus. */
async function runMode(mode: 'judge only' | 're-checks + A/A noise', perRoute: number, procs: SignalProcesses, primary: CorpusServer, shadow: CorpusServer, base: number): Promise<ModeResult> {
  const on = mode !== 'judge only'
  const prefix = `${PREFIX}${on ? 'on' : 'off'}`
  const routes = SCENARIOS.map(
    (s) =>
      `  - { name: ${s.route}, match: "/${s.route}/*", mirror: { percent: 100 }, audit: { ${s.audit} }, recheck: { enabled: ${on}, delay: ${DELAY_MS}ms, secondDelay: ${DELAY_MS}ms, maxShare: 1, maxRate: 100000 }, noise: { sample: ${on ? 0.5 : 0}, maxRate: 100000 } }`,
  ).join('\n')
  const config = parseConfig(`
primary: ${primary.url}
shadow: ${shadow.url}
redis: { url: "${procs.redisUrl}", prefix: ${prefix} }
influx: { url: "${procs.influxUrl}", database: ${DB}, flushInterval: 50ms }
routes:
${routes}
`)
  const service = createAuditService(config, { logger: pino({ level: 'warn' }), noiseCacheMs: 200 })
  const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: procs.redisUrl }, prefix })
  try {
    await service.start()
    let ms = base
    const send = async (keys: readonly number[]): Promise<AuditJob[]> => {
      const jobs: AuditJob[] = []
      for (const s of SCENARIOS) for (const k of keys) jobs.push(await capturedPair(s.route, k, ms++, primary.url, shadow.url))
      for (let i = 0; i < jobs.length; i += 100) {
        const part = jobs.slice(i, i + 100)
        await queue.add('pairs', { v: 1, kind: 'batch', pairs: part }, { jobId: `b-${part[0]?.id ?? ''}` })
      }
      return jobs
    }
    const points = async (from: number, to: number): Promise<number> => Number((await influxRows(procs.influxUrl, `SELECT count(judged) FROM shadowgate_audit WHERE time >= ${from}000000 AND time < ${to}000000`))[0]?.[1] ?? 0)

    // Learning: A/A samples give each route its noise (unscored, as a rollout's first minutes are).
    const learnFrom = ms
    const learnt = await send(Array.from({ length: LEARN }, (_, i) => (on ? 100_000 : 200_000) + i))
    await waitFor(async () => (await points(learnFrom, ms)) === learnt.length, 120_000, 'the learning pairs', 50)
    if (on) await waitFor(async () => (await service.noise.evidence('volatile')).pairs >= LEARN / 4, 60_000, 'A/A evidence', 50)
    await new Promise((r) => setTimeout(r, 500))

    const t0 = performance.now()
    const from = ms
    const jobs = await send(Array.from({ length: perRoute }, (_, i) => (on ? 0 : 300_000) + i))
    await waitFor(async () => (await points(from, ms)) === jobs.length, 300_000, 'every scored pair recorded (re-checks included)', 50)
    const seconds = (performance.now() - t0) / 1000

    const audit = await influxRows(procs.influxUrl, `SELECT mismatch, outcome, reason, recheck FROM shadowgate_audit WHERE time >= ${from}000000 AND time < ${ms}000000`)
    const diffs = await influxRows(procs.influxUrl, `SELECT "elements", "path" FROM shadowgate_field_diff WHERE time >= ${from}000000 AND time < ${ms}000000`)
    const msOf = (t: unknown): string => String(Math.floor(Number(t) / 1000))
    const pathsAt = new Map<string, string[]>()
    for (const [t, , path] of diffs) pathsAt.set(msOf(t), [...(pathsAt.get(msOf(t)) ?? []), String(path)])
    const observed = new Map<string, Observed>()
    for (const [t, , outcome, reason, recheck] of audit) {
      // Without re-checks, every mismatch is what a gate would count.
      const state = recheck ? String(recheck) : !on && outcome === 'mismatch' ? 'persistent' : ''
      observed.set(msOf(t), { outcome: String(outcome), reason: String(reason), recheck: state, paths: pathsAt.get(msOf(t)) ?? [] })
    }
    const rows: [string, string, ScoreRow][] = SCENARIOS.map((s) => {
      const items = jobs.filter((j) => j.route === s.route).map((j) => ({ label: s.label(Number(j.request.path.split('/')[2]) % 100_000) as Label, observed: observed.get(j.capturedAtNs.slice(0, -6)) }))
      return [s.route, s.what, score(items)]
    })
    return { rows, total: addRows(rows.map((r) => r[2])), seconds }
  } finally {
    await queue.close()
    await service.close()
  }
}

function met(r: ScoreRow): boolean {
  const t = rates(r)
  return t.precision >= TARGET && t.recall >= TARGET && t.exact === 1 && r.missing === 0
}

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { requests: { type: 'string' } }, strict: true })
  const perRoute = Number(values.requests ?? '200')
  if (!Number.isInteger(perRoute) || perRoute < 10 || perRoute > 10_000) {
    process.stderr.write(`--requests must be a whole number between 10 and 10000 (got "${values.requests ?? ''}")\n`)
    return 2
  }
  setLogger({ error: () => undefined, warn: () => undefined })
  const procs = await startSignalProcesses(DB)
  const primary = await startCorpusServer('primary')
  const shadow = await startCorpusServer('shadow')
  try {
    const base = Date.now() - 3_600_000
    const off = await runMode('judge only', perRoute, procs, primary, shadow, base)
    const on = await runMode('re-checks + A/A noise', perRoute, procs, primary, shadow, base + 1_000_000)
    const out = [
      `signal bench: ${off.total.requests} scored requests per mode (${perRoute} per scenario) after ${LEARN} learning requests per scenario; re-check delays ${DELAY_MS} ms + ${DELAY_MS} ms`,
      '',
      '| mode | scenario | what | requests | labelled real | counted | precision | recall | exact paths | resolved | noise |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    ]
    for (const [mode, res] of [['judge only', off], ['re-checks + A/A noise', on]] as const) {
      for (const [route, what, r] of [...res.rows, ['total', `${res.seconds.toFixed(1)} s`, res.total] as [string, string, ScoreRow]]) {
        const x = rates(r)
        out.push(`| ${mode} | ${route} | ${what} | ${r.requests} | ${r.labelled} | ${r.predicted} | ${pct(x.precision)} | ${pct(x.recall)} | ${pct(x.exact)} | ${r.resolved} | ${r.noise} |`)
      }
    }
    const missing = on.total.missing > 0 ? ` (${on.total.missing} requests without a point)` : ''
    out.push('', `target (re-checks + A/A noise): precision and recall ≥ ${TARGET}, paths exact: ${met(on.total) ? 'met' : 'NOT met'}${missing}`)
    process.stdout.write(`${out.join('\n')}\n`)
    return met(on.total) ? 0 : 1
  } finally {
    await Promise.all([primary.close(), shadow.close()])
    await procs.close()
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:signal failed: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  },
)
