/**
 * `npm run bench:cutover`: the pause a cut-over costs. Two gateways (the built CLI, default limits,
 * one shared Redis) take open-loop load at each rate while a route is cut over 10 times, back and
 * forth between shadow and final. Prints, per rate: commits, pause p50/p99/max of held requests,
 * requests held, failed requests and the p99 latency of requests that were not held. It is a
 * report: it exits 0 whatever the numbers, 1 only when it cannot run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, startRedis } from '@shadowgate/dev-helpers'
import { BenchProcesses } from '../bench-processes.js'
import { machineInfo } from '../report/machine-info.js'
import { GATEWAY_CLI } from '../services/service-entries.js'
import { TimedLoad, type TimedRequest } from './timed-load.js'

const RATES = [1_000, 5_000]
const CUTOVERS = 10
/** Load before the first and after the last cut-over, and between two. */
const SETTLE_MS = 1_000
const GAP_MS = 300
const CONNECTIONS = 256

interface Outcome {
  readonly outcome: string
  readonly to: 'final' | 'shadow'
  readonly abortReason: string | null
  readonly instances: readonly string[]
  readonly reported: number
  readonly held: number
  readonly pauseP50Ms: number
  readonly pauseP99Ms: number
  readonly pauseMaxMs: number
  readonly preparedAt: string
  readonly decidedAt: string
}

interface Row {
  readonly rps: number
  readonly sent: number
  readonly commits: number
  readonly aborted: number
  readonly refused: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly held: number
  /** Hold reports received of those expected (one per gateway per cut-over): held counts only what was reported. */
  readonly reports: string
  /** Failed requests sent during a hold window, and the others (the machine's own overload, with no cut-over running). */
  readonly failedInHold: number
  readonly failedOther: number
  readonly notHeldP99: number
}

const processes = new BenchProcesses('cutover')
/** The route's stage: both rates run on the same gateways. */
let stage: 'final' | 'shadow' = 'shadow'
const log = (line: string): void => processes.log(line)

function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0
}

/** The outcome, or why the cut-over was refused before it started (e.g. Redis too slow to take the lock). */
async function cutover(adminUrl: string, to: 'final' | 'shadow'): Promise<Outcome | string> {
  const res = await fetch(`${adminUrl}/routes/items/cutover`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to, reason: 'bench' }) })
  const body = (await res.json()) as { cutover?: Outcome; error?: { code: string; message: string } }
  return body.cutover ?? `${body.error?.code ?? res.status}: ${body.error?.message ?? ''}`
}

/** Whether a request left inside a hold window (PREPARE to the decision, with a margin): it may have been held. */
function inHoldWindow(outcomes: readonly Outcome[]): (r: TimedRequest) => boolean {
  const windows = outcomes.map((o) => [Date.parse(o.preparedAt) - 5, Date.parse(o.decidedAt) + 50] as const)
  return (r) => windows.some(([a, b]) => r.sentAt >= a && r.sentAt <= b)
}

async function runRate(rps: number, traffic: readonly string[], adminUrl: string): Promise<Row> {
  log(`${rps} requests/s: ${CUTOVERS} cut-overs`)
  // Enough connections that held requests never wait for a free one in the client (a client-side cap would hide the hold).
  const load = new TimedLoad({ urls: traffic, rps, path: (i) => `/items/${i}`, connections: CONNECTIONS })
  load.start()
  const outcomes: Outcome[] = []
  let refused = 0
  let run: Awaited<ReturnType<TimedLoad['stop']>>
  try {
    await sleep(SETTLE_MS)
    for (let i = 0; i < CUTOVERS; i++) {
      // Back and forth; an aborted cut-over leaves the stage where it was.
      const o = await cutover(adminUrl, stage === 'final' ? 'shadow' : 'final')
      if (typeof o === 'string') {
        refused++
        log(`  ${i + 1}: refused (${o})`)
        await sleep(GAP_MS)
        continue
      }
      if (o.outcome === 'committed') stage = o.to
      outcomes.push(o)
      log(`  ${i + 1}: ${o.outcome}${o.abortReason ? ` (${o.abortReason})` : ''}, ${o.instances.length} gateways (${o.reported} reported), held ${o.held}, pause p50 ${o.pauseP50Ms} / p99 ${o.pauseP99Ms} / max ${o.pauseMaxMs} ms`)
      await sleep(GAP_MS)
    }
    await sleep(SETTLE_MS)
  } finally {
    run = await load.stop()
  }
  const { results, errors } = run
  if (errors.length > 0) log(`  client errors: ${errors.join('; ')}`)
  const held = inHoldWindow(outcomes)
  const sorted = results.filter((r) => r.ok && !held(r)).map((r) => r.ms).sort((a, b) => a - b)
  const p50s = outcomes.map((o) => o.pauseP50Ms).sort((a, b) => a - b)
  return {
    rps,
    sent: results.length,
    commits: outcomes.filter((o) => o.outcome === 'committed').length,
    aborted: outcomes.filter((o) => o.outcome === 'aborted').length,
    refused,
    p50: quantile(p50s, 0.5),
    p99: Math.max(0, ...outcomes.map((o) => o.pauseP99Ms)),
    max: Math.max(0, ...outcomes.map((o) => o.pauseMaxMs)),
    held: outcomes.reduce((n, o) => n + o.held, 0),
    reports: `${outcomes.reduce((n, o) => n + o.reported, 0)}/${outcomes.reduce((n, o) => n + o.instances.length, 0)}`,
    failedInHold: results.filter((r) => !r.ok && held(r)).length,
    failedOther: results.filter((r) => !r.ok && !held(r)).length,
    notHeldP99: quantile(sorted, 0.99),
  }
}

function table(rows: readonly Row[]): string {
  const lines = [
    '| rate (req/s) | requests | committed / aborted / refused | pause p50 (ms) | pause p99 (ms) | pause max (ms) | held | hold reports | failed, sent during a hold | failed, other | p99 not held (ms) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.rps} | ${r.sent} | ${r.commits} / ${r.aborted} / ${r.refused} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.held} | ${r.reports} | ${r.failedInHold} | ${r.failedOther} | ${r.notHeldP99.toFixed(1)} |`),
  ]
  return lines.join('\n')
}

async function main(): Promise<void> {
  processes.stopOnExit()
  const machine = machineInfo()
  const dir = await mkdtemp(join(tmpdir(), 'sg-cutover-bench-'))
  const redis = await startRedis()
  try {
    const [{ url: oldSide }, { url: newSide }] = await Promise.all([processes.child('old side', { role: 'origin' }), processes.child('new side', { role: 'shadow', delayMs: 0 })])
    const traffic: string[] = []
    const admins: string[] = []
    for (const name of ['a', 'b']) {
      const [port, admin] = [await freePort(), await freePort()]
      const config = join(dir, `gateway-${name}.yaml`)
      await writeFile(
        config,
        `listen: { host: 127.0.0.1, port: ${port} }
admin: { host: 127.0.0.1, port: ${admin} }
primary: ${oldSide}
redis: { url: "${redis.url}", prefix: bench-cutover }
audit: { enabled: false }
cutover: { minTimeBetweenFlips: 0s }
routes:
  - name: items
    match: /items/*
    old: ${oldSide}
    new: ${newSide}
    stage: shadow
    mirror: { percent: 0 }
`,
      )
      const gateway = processes.service(`gateway ${name}`, GATEWAY_CLI, ['gateway', '--config', config, '--log-level', 'warn'])
      const adminUrl = `http://127.0.0.1:${admin}`
      await gateway.waitReady(async () => (await fetch(`${adminUrl}/readyz`)).status === 200)
      traffic.push(`http://127.0.0.1:${port}`)
      admins.push(adminUrl)
    }
    // Two heartbeats: both gateways are registered before the first PREPARE.
    await sleep(2_000)
    const rows: Row[] = []
    for (const rps of RATES) rows.push(await runRate(rps, traffic, admins[0] ?? ''))
    process.stdout.write(
      [
        '',
        `shadowgate cut-over bench: 2 gateways, ${CUTOVERS} cut-overs per rate (shadow <-> final), cutover.* defaults except minTimeBetweenFlips 0s`,
        `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAtStart.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end`,
        '',
        table(rows),
        '',
      ].join('\n'),
    )
  } finally {
    await processes.closeAll()
    await redis.close()
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`)
  process.exitCode = 1
})
