import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { AUDIT_BATCH_JOB_NAME, AUDIT_JSON_BATCH_VERSION, AUDIT_QUEUE_NAME, auditBatchKey, mismatchGroupKey, parseAuditBatch } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer, startInfluxd, type TestInflux, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { enqueueBatches, jsonResponse, pairJob } from './pair-jobs.js'

// Processes run the built service (npx tsc -b first), as in production.
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')
const serviceModule = pathToFileURL(join(repo, 'audit-service/dist/src/worker/audit-service.js')).href
const PREFIX = 'sgcrash'

// A worker process with test-only BullMQ timings (builder options, not config): a short lock so a
// dead worker's job is recovered in about two seconds.
const WORKER_SCRIPT = `
import { parseConfig } from '@shadowgate/shared'
import { pino } from 'pino'
import { createAuditService } from '${serviceModule}'
const svc = createAuditService(parseConfig(process.env.SG_CONFIG_YAML), {
  logger: pino({ level: 'warn' }),
  lockDurationMs: 2000,
  stalledIntervalMs: 500,
  influx: { timeoutMs: 120000 },
  influxRetryDelayMs: { min: 200, max: 1000 },
})
await svc.start()
process.stdout.write('ready\\n')
process.on('SIGTERM', () => svc.close().then(() => process.exit(0)))
`

function yaml(redisUrl: string, influxUrl: string, httpPort = 0, prefix = PREFIX, database = 'sg'): string {
  return `
primary: http://127.0.0.1:1
redis: { url: "${redisUrl}", prefix: ${prefix} }
influx: { url: "${influxUrl}", database: ${database}, flushInterval: 50ms }
worker: { concurrency: 2, http: { port: ${httpPort} } }
routes:
  - { name: orders, match: "/orders/*" }
`
}

class WorkerProcess {
  readonly child: ChildProcess
  output = ''
  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-20_000)
    }
    this.child.stdout?.on('data', keep)
    this.child.stderr?.on('data', keep)
  }
  static script(configYaml: string): WorkerProcess {
    return new WorkerProcess(['--input-type=module', '-e', WORKER_SCRIPT], { SG_CONFIG_YAML: configYaml })
  }
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode })
    return new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })))
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const done = this.exited
      this.child.kill(signal)
      await done
    }
  }
}

describe('audit worker process faults', () => {
  let redis: TestRedis
  let influx: TestInflux
  let dir: string
  const procs: WorkerProcess[] = []
  const servers: TestServer[] = []
  beforeAll(async () => {
    ;[redis, influx] = await Promise.all([startRedis(), startInfluxd()])
    await influx.createDatabase('sg')
    dir = await mkdtemp(join(tmpdir(), 'sg-crash-'))
  })
  afterAll(async () => {
    for (const p of procs) await p.kill()
    for (const s of servers) await s.close()
    await Promise.all([redis?.close(), influx?.close()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('a worker SIGKILLed mid-job: another worker re-runs the job and the pair is counted exactly once', async () => {
    // InfluxDB behind a proxy that stores the write but never acknowledges it: the first worker's
    // point is in InfluxDB while its job is still active, the worst moment to die.
    let forwarded = 0
    const proxy = await startServer(async (req) => {
      const res = await fetch(`${influx.url}${req.url}`, { method: 'POST', body: req.body, headers: { 'content-encoding': String(req.headers['content-encoding'] ?? 'identity') } })
      if (res.status === 204) forwarded++
      // No answer: the writer waits for an acknowledgement that never comes.
    })
    servers.push(proxy)
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX })
    try {
      const first = WorkerProcess.script(yaml(redis.url, proxy.url))
      procs.push(first)
      await waitFor(() => first.output.includes('ready'), 20_000, `the first worker (${first.output})`)
      const job = pairJob('orders', jsonResponse({ total: 1 }), jsonResponse({ total: 2 }))
      await enqueueBatches(redis.url, PREFIX, [job])
      await waitFor(() => forwarded === 1, 20_000, 'the first run to write its point')
      const active = await queue.getJobs(['active'])
      const raw = new Redis(redis.url)
      const bytes = await raw.getBuffer(auditBatchKey(PREFIX, String(active[0]?.id))).finally(() => raw.disconnect())
      expect(active.map((j) => parseAuditBatch(j.data, bytes).map((p) => p.id))).toEqual([[job.id]])
      await first.kill('SIGKILL')

      const second = WorkerProcess.script(yaml(redis.url, influx.url))
      procs.push(second)
      const r = new Redis(redis.url)
      try {
        await waitFor(async () => (await r.hget(mismatchGroupKey(PREFIX, await fingerprintOf(r)), 'count')) === '1' && (await queue.getJobCounts('active', 'wait')).active === 0, 30_000, `the re-run (${second.output})`)
      } finally {
        r.disconnect()
      }
      const count = await influx.query(`SELECT count(judged) FROM shadowgate_audit WHERE route = 'orders'`, 'sg')
      expect(count[0]?.values[0]?.[1]).toBe(1)
      const sum = await influx.query(`SELECT sum(mismatch) FROM shadowgate_audit WHERE route = 'orders'`, 'sg')
      expect(sum[0]?.values[0]?.[1]).toBe(1)
      expect((await queue.getJobCounts('failed')).failed).toBe(0)
      await second.kill('SIGTERM')
      expect((await second.exited).code).toBe(0)
    } finally {
      await queue.close()
    }
  })

  it('InfluxDB down and the worker SIGKILLed: after both restart, every pair\'s point arrives exactly once', async () => {
    const prefix = 'sgkill'
    const database = 'sg_kill'
    await influx.createDatabase(database)
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix })
    const PAIRS = 1_000
    const BATCH = 100
    let influxDown = false
    try {
      await influx.stop()
      influxDown = true
      const first = WorkerProcess.script(yaml(redis.url, influx.url, 0, prefix, database))
      procs.push(first)
      await waitFor(() => first.output.includes('ready'), 20_000, `the first worker (${first.output})`)
      for (let b = 0; b < PAIRS / BATCH; b++) {
        const pairs = Array.from({ length: BATCH }, (_, i) => pairJob('orders', jsonResponse({ n: b * BATCH + i }), jsonResponse({ n: b * BATCH + i }), { capturedAtNs: `${1_700_000_600_000 + b * BATCH + i}000001` }))
        await queue.add(AUDIT_BATCH_JOB_NAME, { v: AUDIT_JSON_BATCH_VERSION, kind: 'batch', pairs }, { jobId: `b-${pairs[0]?.id}` })
      }
      // Every job judged at least once while InfluxDB is down: none waits for a first run any more.
      await waitFor(async () => {
        const c = await queue.getJobCounts('wait', 'prioritized')
        return (c.wait ?? 0) + (c.prioritized ?? 0) === 0
      }, 30_000, 'the first worker to judge every job')
      await first.kill('SIGKILL')
      await influx.start()
      influxDown = false
      const second = WorkerProcess.script(yaml(redis.url, influx.url, 0, prefix, database))
      procs.push(second)
      const stored = async (): Promise<number> => Number((await influx.query(`SELECT count(judged) FROM shadowgate_audit`, database))[0]?.values[0]?.[1] ?? 0)
      await waitFor(async () => (await stored()) === PAIRS && (await queue.getJobCounts('wait', 'active', 'delayed')).delayed === 0, 60_000, `all ${PAIRS} points after the restart (${second.output})`)
      await waitFor(async () => {
        const c = await queue.getJobCounts('wait', 'active', 'delayed')
        return (c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0
      }, 20_000, 'every job to complete')
      expect(await stored()).toBe(PAIRS)
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 })
      await second.kill('SIGTERM')
      expect((await second.exited).code).toBe(0)
    } finally {
      if (influxDown) await influx.start()
      await queue.close()
    }
  }, 150_000)

  it('`audit` CLI process: serves /healthz, audits, and on SIGTERM finishes, flushes and exits 0', async () => {
    const port = await freePort()
    const configPath = join(dir, 'cli.yaml')
    await writeFile(configPath, yaml(redis.url, influx.url, port).replace(`prefix: ${PREFIX}`, 'prefix: sgcli'))
    const cli = new WorkerProcess([join(repo, 'audit-service/dist/src/cli/main.js'), 'audit', '--config', configPath], {})
    procs.push(cli)
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 20_000, `the CLI worker (${cli.output})`)
    const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix: 'sgcli' })
    try {
      const job = pairJob('orders', jsonResponse({ a: 1 }), jsonResponse({ a: 1 }), { capturedAtNs: '1700000500000000001' })
      await enqueueBatches(redis.url, 'sgcli', [job])
      await waitFor(async () => (await influx.query(`SELECT count(judged) FROM shadowgate_audit WHERE time = 1700000500000000001`, 'sg')).length === 1, 20_000, 'the CLI worker to audit')
    } finally {
      await queue.close()
    }
    await cli.kill('SIGTERM')
    expect(await cli.exited).toEqual({ code: 0, signal: null })
    expect(cli.output).toContain('audit worker stopped')
  })

  it('`audit` CLI with a bad config exits 2 naming the key', async () => {
    const configPath = join(dir, 'bad.yaml')
    await writeFile(configPath, 'primary: http://127.0.0.1:1\nworker: { concurrency: 0 }\n')
    const cli = new WorkerProcess([join(repo, 'audit-service/dist/src/cli/main.js'), 'audit', '--config', configPath], {})
    procs.push(cli)
    expect((await cli.exited).code).toBe(2)
    expect(cli.output).toContain('config error: worker.concurrency must be between 1 and 1000')
  })
})

async function fingerprintOf(r: Redis): Promise<string> {
  const fps = await r.zrange(`${PREFIX}:mismatch:index`, 0, -1)
  return fps[0] ?? 'none'
}
