/**
 * `npm run bench:workers`: requests per second of the gateway started through the CLI with
 * `--workers 1` and `--workers 2` against the same origin, driven by wrk, interleaved and repeated;
 * CPU use of the gateway, the origin and everything else is measured alongside, because on a
 * 2-core machine wrk and the origin take cores the second worker would need. It is a report: it
 * exits 0 whatever the ratio, 1 only when it cannot run, 2 on bad flags.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { BenchChildProcess } from './bench-child-process.js'
import { killLoadGenerators } from './load/spawn-bounded.js'
import { runWrk, wrkAvailable } from './load/wrk-generator.js'
import { machineInfo } from './report/machine-info.js'
import { UPSTREAM_BODY } from './roles/upstream-server.js'
import { GATEWAY_CLI } from './services/service-entries.js'
import { CpuWindow, childPids } from './workers/proc-cpu.js'
import { WORKERS_USAGE, parseWorkersOptions, type WorkersOptions } from './workers/workers-options.js'
import { formatWorkersReport, type WorkersRun } from './workers/workers-report.js'
import { NodeProcess, freePort, killAllNodeProcesses } from '@shadowgate/dev-helpers'

const LISTENING = 'gateway worker listening'
const children: BenchChildProcess[] = []
let gateway: NodeProcess | undefined

function log(line: string): void {
  process.stderr.write(`[workers ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

async function startChild(name: string, spec: ConstructorParameters<typeof BenchChildProcess>[1]): Promise<BenchChildProcess> {
  const c = new BenchChildProcess(name, spec)
  children.push(c)
  await c.start()
  return c
}

/** One GET through the gateway must return the origin's exact body before it is measured. */
async function probe(url: string): Promise<void> {
  const res = await fetch(`${url}/api/items/42`, { signal: AbortSignal.timeout(5_000) })
  const body = Buffer.from(await res.arrayBuffer())
  if (res.status !== 200 || !body.equals(UPSTREAM_BODY)) throw new Error(`probe through the gateway answered ${res.status} with ${body.length} bytes`)
}

async function measure(o: { workers: number; round: number; options: WorkersOptions; originPid: number; dir: string; origin: string; shadow: string | undefined }): Promise<WorkersRun> {
  const [traffic, admin] = [await freePort(), await freePort()]
  const config = join(o.dir, `gateway-${o.workers}.yaml`)
  await writeFile(
    config,
    `listen: { host: 127.0.0.1, port: ${traffic} }
admin: { host: 127.0.0.1, port: ${admin} }
primary: ${o.origin}
${o.shadow ? `shadow: ${o.shadow}` : ''}
routes:
  - name: items
    match: /api/*
    mirror: { percent: ${o.options.mirror} }
`,
  )
  const g = new NodeProcess(GATEWAY_CLI, ['gateway', '--config', config, '--workers', String(o.workers), '--log-level', 'info'], { name: `gateway --workers ${o.workers}` })
  gateway = g
  try {
    await g.waitReady(async () => g.seen(LISTENING) >= o.workers && (await fetch(`http://127.0.0.1:${admin}/readyz`)).status === 200)
    const url = `http://127.0.0.1:${traffic}`
    await probe(url)
    if (o.options.warmupS > 0) await runWrk({ url: `${url}/api/items/42`, connections: o.options.connections, durationS: o.options.warmupS })
    const running = runWrk({ url: `${url}/api/items/42`, connections: o.options.connections, durationS: o.options.durationS })
    // The CPU window opens once wrk runs (its pid is known then) and closes before wrk exits (its
    // counters vanish with it): it covers the run but its first and last 300 ms.
    await new Promise((r) => setTimeout(r, 300))
    const cpu = new CpuWindow({ gateway: [g.pid, ...childPids(g.pid)], origin: [o.originPid], wrk: childPids(process.pid, 'wrk') })
    await new Promise((r) => setTimeout(r, Math.max(100, o.options.durationS * 1_000 - 600)))
    const cores = cpu.end()
    const load = await running
    log(`--workers ${o.workers}, round ${o.round}: ${load.rps.toFixed(0)} rps, gateway ${cores['gateway']?.toFixed(2)} cores, machine ${cores['machine']?.toFixed(2)}`)
    return { workers: o.workers, round: o.round, load, cores }
  } finally {
    const code = await g.stop()
    if (code !== 0) log(`the gateway exited with ${code}: ${g.output.trim()}`)
    gateway = undefined
  }
}

async function main(): Promise<number> {
  let options: WorkersOptions
  try {
    options = parseWorkersOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${WORKERS_USAGE}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(`${WORKERS_USAGE}\n`)
    return 0
  }
  if (!wrkAvailable() || process.platform !== 'linux') {
    process.stderr.write('bench:workers needs wrk (/usr/bin/wrk) and Linux (/proc for CPU accounting)\n')
    return 1
  }
  const startedAt = new Date()
  const machine = machineInfo()
  const dir = await mkdtemp(join(tmpdir(), 'sg-workers-'))
  try {
    const origin = await startChild('origin', { role: 'origin' })
    const shadow = options.mirror > 0 ? await startChild('shadow', { role: 'shadow' }) : undefined
    const runs: WorkersRun[] = []
    for (let round = 1; round <= options.rounds; round++) {
      // Alternate the order so neither count always runs on a warmer (or more loaded) machine.
      const order = round % 2 === 1 ? options.workers : [...options.workers].reverse()
      for (const workers of order) runs.push(await measure({ workers, round, options, originPid: origin.pid ?? -1, dir, origin: origin.url, shadow: shadow?.url }))
    }
    process.stdout.write(`${formatWorkersReport({ startedAt, machine, loadAtEnd: loadavg()[0] ?? 0, durationS: options.durationS, connections: options.connections, mirror: options.mirror, counts: options.workers, runs })}\n`)
    return 0
  } catch (err) {
    process.stderr.write(`bench:workers could not run: ${(err as Error).message}\n`)
    return 1
  } finally {
    await gateway?.stop('SIGTERM', 5_000)
    await Promise.allSettled(children.map((c) => c.close()))
    await rm(dir, { recursive: true, force: true })
  }
}

process.on('exit', () => {
  killLoadGenerators()
  killAllNodeProcesses()
  for (const c of children) c.killNow()
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`)
    killLoadGenerators()
    void Promise.allSettled([gateway?.stop('SIGTERM', 5_000), ...children.map((c) => c.close())]).finally(() => process.exit(130))
  })
}

const code = await main()
// Exit once stdout is flushed: keep-alive sockets of fetch() must not hold the process.
process.stdout.write('', () => process.exit(code))
