/**
 * The end-to-end half of `npm run bench:audit`: does one audit worker keep up with a gateway that
 * mirrors and audits every request? For each rate: a gateway and a worker (both started by the
 * `shadowgate` CLI, the worker with the image's node flags) on a fresh queue, open-loop load for
 * `--seconds`, the backlog (pairs enqueued by the gateway minus points the worker wrote to
 * InfluxDB) sampled every second, then the time the worker needs to catch up.
 * It is a report: it exits 0 whatever the verdicts, 1 only when it cannot run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { AUDIT_WORKER_NODE_FLAGS } from '@shadowgate/audit-service/cli'
import { DEFAULT_WORKER_CONCURRENCY } from '@shadowgate/shared'
import { BenchProcesses } from './bench-processes.js'
import { KEEP_UP_USAGE, parseKeepUpOptions, type KeepUpOptions } from './keep-up/keep-up-options.js'
import { formatKeepUpReport, type KeepUpRow } from './keep-up/keep-up-report.js'
import { machineInfo } from './report/machine-info.js'
import { AUDIT_CLI, GATEWAY_CLI } from './services/service-entries.js'
import { type NodeProcess, freePort } from '@shadowgate/dev-helpers'
import { startInfluxd, type BenchInflux } from './services/influxd-process.js'
import { readRouteCounters } from './soak/gateway-counters.js'
import { runOpenLoop } from './soak/open-loop-load.js'

const INFLUX_DB = 'keepup'
/** Longest wait for the worker to empty the backlog after the load. */
const CATCH_UP_LIMIT_MS = 120_000

const processes = new BenchProcesses('keep-up')
const log = (line: string): void => processes.log(line)

interface Upstreams {
  readonly origin: string
  readonly shadow: string
  readonly redisUrl: string
  readonly influx: BenchInflux
}

interface Sides {
  readonly gateway: NodeProcess
  readonly worker: NodeProcess
  readonly trafficUrl: string
  readonly adminUrl: string
}

/** A gateway and a worker sharing a queue prefix and route name of their own, so steps never mix. */
async function startSides(route: string, up: Upstreams, options: KeepUpOptions, dir: string): Promise<Sides> {
  const [traffic, admin, http] = [await freePort(), await freePort(), await freePort()]
  const redis = `redis: { url: "${up.redisUrl}", prefix: ${route} }`
  const routes = `routes: [{ name: ${route}, match: "/api/*", mirror: { percent: 100 } }]`
  const gatewayConfig = join(dir, `${route}-gateway.yaml`)
  await writeFile(gatewayConfig, `listen: { host: 127.0.0.1, port: ${traffic} }\nadmin: { host: 127.0.0.1, port: ${admin} }\nprimary: ${up.origin}\nshadow: ${up.shadow}\n${redis}\n${routes}\n`)
  const workerConfig = join(dir, `${route}-worker.yaml`)
  const concurrency = options.workerConcurrency === undefined ? '' : `, concurrency: ${options.workerConcurrency}`
  await writeFile(
    workerConfig,
    `primary: ${up.origin}\nshadow: ${up.shadow}\n${redis}\ninflux: { url: "${up.influx.url}", database: ${INFLUX_DB} }\nworker: { http: { host: 127.0.0.1, port: ${http} }${concurrency} }\n${routes}\n`,
  )
  const adminUrl = `http://127.0.0.1:${admin}`
  const gateway = processes.service('gateway', GATEWAY_CLI, ['gateway', '--config', gatewayConfig, '--log-level', 'warn'])
  // Started as the audit-service image starts it.
  const worker = processes.service('audit worker', AUDIT_CLI, ['audit', '--config', workerConfig, '--log-level', 'warn'], AUDIT_WORKER_NODE_FLAGS)
  await gateway.waitReady(async () => (await fetch(`${adminUrl}/readyz`)).status === 200)
  await worker.waitReady(async () => (await fetch(`http://127.0.0.1:${http}/healthz`)).status === 200)
  return { gateway, worker, trafficUrl: `http://127.0.0.1:${traffic}`, adminUrl }
}

async function step(rps: number, up: Upstreams, options: KeepUpOptions, dir: string): Promise<KeepUpRow> {
  const route = `keepup_${rps}`
  const sides = await startSides(route, up, options, dir)
  const audited = (): Promise<number> => up.influx.count(`SELECT count(judged) FROM shadowgate_audit WHERE "route" = '${route}'`, INFLUX_DB)
  const pairs = async (): Promise<{ mirrored: number; notMirrored: Readonly<Record<string, number>>; enqueued: number; dropped: number }> => {
    const counters = await readRouteCounters(sides.adminUrl, route)
    let dropped = 0
    for (const [result, n] of Object.entries(counters.auditPairs)) if (result.startsWith('dropped')) dropped += n
    return { mirrored: counters.mirrored, notMirrored: counters.notMirrored, enqueued: counters.auditPairs['enqueued'] ?? 0, dropped }
  }
  try {
    log(`${rps} requests/s for ${options.seconds} s, every one mirrored and audited`)
    let maxBacklog = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        await sleep(1_000)
        const [p, a] = await Promise.all([pairs(), audited()])
        maxBacklog = Math.max(maxBacklog, p.enqueued - a)
      }
    })()
    const load = await runOpenLoop({ url: sides.trafficUrl, rps, durationMs: options.seconds * 1_000, path: (i) => `/api/items/${i}` }).finally(() => {
      sampling = false
    })
    await sampler
    // Pairs still in the gateway's buffer reach the queue within its flush interval.
    await sleep(200)
    const [atEnd, auditedUnderLoad] = await Promise.all([pairs(), audited()])
    const backlogAtEnd = atEnd.enqueued - auditedUnderLoad
    maxBacklog = Math.max(maxBacklog, backlogAtEnd)
    const caughtUpBy = Date.now() + CATCH_UP_LIMIT_MS
    const t0 = performance.now()
    let done = auditedUnderLoad
    while (done < atEnd.enqueued && Date.now() < caughtUpBy) {
      await sleep(250)
      done = await audited()
    }
    const catchUpSeconds = done >= atEnd.enqueued ? (performance.now() - t0) / 1_000 : undefined
    if (load.samples.length > 0) log(`client errors: ${load.samples.join('; ')}`)
    return {
      targetRps: rps,
      seconds: options.seconds,
      rps: load.ok / options.seconds,
      failed: load.non200 + load.errors,
      mirrored: atEnd.mirrored,
      notMirrored: atEnd.notMirrored,
      enqueued: atEnd.enqueued,
      dropped: atEnd.dropped,
      auditedUnderLoad,
      maxBacklog,
      backlogAtEnd,
      catchUpSeconds,
      auditedInTheEnd: done,
    }
  } finally {
    for (const side of [sides.gateway, sides.worker]) {
      const code = await side.stop()
      if (code !== 0) log(`${side.name} exited with ${code}: ${side.output.trim()}`)
    }
  }
}

async function main(): Promise<number> {
  let options: KeepUpOptions
  try {
    options = parseKeepUpOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(`${KEEP_UP_USAGE}\n`)
    return 0
  }
  const startedAt = new Date()
  const machine = machineInfo()
  const dir = await mkdtemp(join(tmpdir(), 'sg-keepup-'))
  let influx: BenchInflux | undefined
  try {
    const [origin, shadow, redis] = await Promise.all([
      processes.child('origin', { role: 'origin' }),
      processes.child('shadow', { role: 'shadow', mismatchEvery: 10 }),
      processes.child('redis-server', { role: 'redis' }),
    ])
    influx = await startInfluxd(INFLUX_DB)
    const up: Upstreams = { origin: origin.url, shadow: shadow.url, redisUrl: redis.url, influx }
    const rows: KeepUpRow[] = []
    for (const rps of options.rates) rows.push(await step(rps, up, options, dir))
    const concurrency = options.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY
    process.stdout.write(`${formatKeepUpReport({ startedAt, machine, loadAtEnd: loadavg()[0] ?? 0, concurrency, rows })}\n`)
    return 0
  } catch (err) {
    process.stderr.write(`keep-up check could not run: ${(err as Error).message}\n`)
    return 1
  } finally {
    await processes.closeAll()
    await influx?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

processes.stopOnExit()

const code = await main()
// Exit once stdout is flushed: keep-alive sockets of fetch() must not hold the process.
process.stdout.write('', () => process.exit(code))
