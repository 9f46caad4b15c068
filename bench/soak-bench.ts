/**
 * `npm run bench:soak`: memory under sustained faults. The gateway (from the built CLI, default
 * limits, audit capture on) takes 100 % mirrored traffic for `--minutes` with a shadow that never
 * answers, then as long with a shadow that answers after 2 s, while its RSS is sampled; then an
 * audit worker works for `--minutes` with the queue topped up to `--jobs` pairs every second,
 * while its RSS is sampled. Prints the
 * tables and PASS/FAIL against the targets (RSS ≤ 200 MiB, plateau). It is a report: it exits 0
 * whatever the verdict, 1 only when it cannot run, 2 on bad flags.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { AUDIT_WORKER_NODE_FLAGS } from '@shadowgate/audit-service/cli'
import { DEFAULT_WORKER_CONCURRENCY } from '@shadowgate/shared'
import { BenchProcesses } from './bench-processes.js'
import { machineInfo } from './report/machine-info.js'
import { Backlog, BACKLOG_ROUTE } from './soak/backlog-jobs.js'
import { AUDIT_CLI, GATEWAY_CLI } from './services/service-entries.js'
import { type NodeProcess, freePort } from '@shadowgate/dev-helpers'
import { delta, readHeapUsed, readRouteCounters } from './soak/gateway-counters.js'
import { startInfluxd } from './services/influxd-process.js'
import { runOpenLoop } from './soak/open-loop-load.js'
import { RssSampler, rssOf, samplesCsv, summariseRss } from './soak/rss-sampler.js'
import { SOAK_USAGE, parseSoakOptions, type SoakOptions } from './soak/soak-options.js'
import { formatSoakReport, type GatewayPhaseRow, type WorkerPhaseRow } from './soak/soak-report.js'

/** Answers after an hour: within any run, a shadow that accepts copies and never answers. */
const NEVER_MS = 3_600_000
const SLOW_MS = 2_000

const processes = new BenchProcesses('soak')
const log = (line: string): void => processes.log(line)
/** Every RSS sample of the run, written to a CSV file at the end. */
const csv: string[] = ['phase,seconds,rss_mib\n']

async function child(name: string, spec: Parameters<BenchProcesses['child']>[1]): Promise<string> {
  return (await processes.child(name, spec)).url
}

function service(name: string, cli: string, args: readonly string[], nodeFlags: readonly string[] = []): NodeProcess {
  return processes.service(name, cli, args, nodeFlags)
}

/** Logs the RSS once a minute so a long run shows it is alive. */
function heartbeat(pid: number, what: string): NodeJS.Timeout {
  return setInterval(() => log(`${what}: RSS ${((rssOf(pid) ?? 0) / 1_048_576).toFixed(1)} MiB, load ${(loadavg()[0] ?? 0).toFixed(2)}`), 60_000)
}

async function gatewayPhase(o: { gateway: NodeProcess; adminUrl: string; trafficUrl: string; route: string; phase: string; options: SoakOptions }): Promise<GatewayPhaseRow> {
  log(`gateway phase "${o.phase}": ${o.options.minutes} min at ${o.options.rps} requests/s`)
  const before = await readRouteCounters(o.adminUrl, o.route)
  const sampler = new RssSampler(o.gateway.pid, o.options.sampleS * 1_000)
  const beat = heartbeat(o.gateway.pid, `gateway (${o.phase})`)
  // The live heap next to RSS tells garbage not yet collected from memory really held.
  let heapUsedMax = 0
  const heap = setInterval(() => void readHeapUsed(o.adminUrl).then((b) => (heapUsedMax = Math.max(heapUsedMax, b ?? 0)), () => undefined), o.options.sampleS * 1_000)
  const load = await runOpenLoop({ url: o.trafficUrl, rps: o.options.rps, durationMs: o.options.minutes * 60_000, path: (i) => `/${o.route}/${i}` }).finally(() => {
    clearInterval(beat)
    clearInterval(heap)
  })
  const samples = sampler.stop()
  csv.push(samplesCsv(`gateway: ${o.phase}`, samples))
  const rss = summariseRss(samples)
  const after = await readRouteCounters(o.adminUrl, o.route)
  if (load.samples.length > 0) log(`client errors: ${load.samples.join('; ')}`)
  return {
    phase: o.phase,
    minutes: o.options.minutes,
    requests: load.sent,
    ok: load.ok,
    failed: load.non200 + load.errors,
    mirrored: after.mirrored - before.mirrored,
    notMirrored: delta(before.notMirrored, after.notMirrored),
    auditPairs: delta(before.auditPairs, after.auditPairs),
    rss,
    heapUsedMaxMiB: heapUsedMax / 1_048_576,
  }
}

async function gatewayPhases(options: SoakOptions, redisUrl: string, dir: string): Promise<GatewayPhaseRow[]> {
  const [origin, never, slow] = await Promise.all([
    child('origin', { role: 'origin' }),
    child('shadow that never answers', { role: 'shadow', delayMs: NEVER_MS }),
    child('slow shadow', { role: 'shadow', delayMs: SLOW_MS }),
  ])
  const [traffic, admin] = [await freePort(), await freePort()]
  const config = join(dir, 'gateway.yaml')
  await writeFile(
    config,
    `listen: { host: 127.0.0.1, port: ${traffic} }
admin: { host: 127.0.0.1, port: ${admin} }
primary: ${origin}
redis: { url: "${redisUrl}", prefix: soak-gateway }
routes:
  - name: never
    match: /never/*
    shadow: ${never}
    mirror: { percent: 100 }
  - name: slow
    match: /slow/*
    shadow: ${slow}
    mirror: { percent: 100 }
`,
  )
  const adminUrl = `http://127.0.0.1:${admin}`
  const gateway = service('gateway', GATEWAY_CLI, ['gateway', '--config', config, '--log-level', 'warn'])
  await gateway.waitReady(async () => (await fetch(`${adminUrl}/readyz`)).status === 200)
  const common = { gateway, adminUrl, trafficUrl: `http://127.0.0.1:${traffic}`, options }
  const rows = [
    await gatewayPhase({ ...common, route: 'never', phase: 'shadow never answers' }),
    await gatewayPhase({ ...common, route: 'slow', phase: `shadow answers after ${SLOW_MS / 1_000} s` }),
  ]
  const code = await gateway.stop()
  if (code !== 0) log(`the gateway exited with ${code}: ${gateway.output.trim()}`)
  return rows
}

async function workerPhase(options: SoakOptions, redisUrl: string, dir: string): Promise<WorkerPhaseRow> {
  const influx = await startInfluxd('soak')
  const prefix = 'soak-worker'
  const backlog = new Backlog(redisUrl, prefix, Date.now() - 86_400_000)
  try {
    log(`filling a backlog of ${options.jobs} pairs`)
    await backlog.add(options.jobs)
    const http = await freePort()
    const config = join(dir, 'worker.yaml')
    await writeFile(
      config,
      `primary: http://127.0.0.1:9
redis: { url: "${redisUrl}", prefix: ${prefix} }
influx: { url: "${influx.url}", database: soak }
worker: { http: { host: 127.0.0.1, port: ${http} }${options.workerConcurrency === undefined ? '' : `, concurrency: ${options.workerConcurrency}`} }
routes: [{ name: ${BACKLOG_ROUTE}, match: "/orders/*" }]
`,
    )
    // Started as the audit-service image starts it.
    const worker = service('audit worker', AUDIT_CLI, ['audit', '--config', config, '--log-level', 'warn'], AUDIT_WORKER_NODE_FLAGS)
    await worker.waitReady(async () => (await fetch(`http://127.0.0.1:${http}/healthz`)).status === 200)
    log(`audit worker phase: ${options.minutes} min with the backlog topped up to ${options.jobs} pairs`)
    const t0 = Date.now()
    const sampler = new RssSampler(worker.pid, options.sampleS * 1_000)
    const beat = heartbeat(worker.pid, 'audit worker')
    let lowest = options.jobs
    try {
      // The worker is never short of work: what it took is put back every second.
      while (Date.now() - t0 < options.minutes * 60_000 && worker.running) {
        await new Promise((r) => setTimeout(r, 1_000))
        const left = await backlog.left()
        lowest = Math.min(lowest, left)
        if (left < options.jobs) await backlog.add(options.jobs - left)
      }
    } finally {
      clearInterval(beat)
    }
    const seconds = (Date.now() - t0) / 1_000
    const samples = sampler.stop()
    csv.push(samplesCsv('audit worker', samples))
    const rss = summariseRss(samples)
    const code = await worker.stop()
    if (code !== 0) log(`the audit worker exited with ${code}: ${worker.output.trim()}`)
    const left = await backlog.left()
    // Every pair the worker completed is one point: what was added and is no longer queued.
    const points = await influx.count('SELECT count(judged) FROM shadowgate_audit', 'soak').catch(() => Number.NaN)
    return { concurrency: options.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY, backlog: options.jobs, lowestBacklog: lowest, processed: backlog.added - left, seconds, points, rss }
  } finally {
    await backlog.close()
    await influx.close()
  }
}

async function main(): Promise<number> {
  let options: SoakOptions
  try {
    options = parseSoakOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${SOAK_USAGE}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(`${SOAK_USAGE}\n`)
    return 0
  }
  if (process.platform !== 'linux') {
    process.stderr.write('bench:soak reads RSS from /proc and runs on Linux only\n')
    return 1
  }
  const startedAt = new Date()
  const machine = machineInfo()
  const dir = await mkdtemp(join(tmpdir(), 'sg-soak-'))
  try {
    const redisUrl = await child('redis-server', { role: 'redis' })
    const gateway = options.phases.has('gateway') ? await gatewayPhases(options, redisUrl, dir) : []
    const worker = options.phases.has('worker') && options.jobs > 0 ? await workerPhase(options, redisUrl, dir) : undefined
    const report = formatSoakReport({ startedAt, seconds: (Date.now() - startedAt.getTime()) / 1_000, machine, loadAtEnd: loadavg()[0] ?? 0, rps: options.rps, gateway, worker, sampleS: options.sampleS })
    const csvFile = join(tmpdir(), `shadowgate-soak-${startedAt.toISOString().replace(/[:.]/g, '-')}.csv`)
    await writeFile(csvFile, csv.join(''))
    process.stdout.write(`${report.text}\n\nEvery RSS sample: ${csvFile}\n`)
    return 0
  } catch (err) {
    process.stderr.write(`bench:soak could not run: ${(err as Error).message}\n`)
    return 1
  } finally {
    await processes.closeAll()
    await rm(dir, { recursive: true, force: true })
  }
}

processes.stopOnExit()

const code = await main()
// Exit once stdout is flushed: keep-alive sockets of fetch() must not hold the process.
process.stdout.write('', () => process.exit(code))
