/**
 * `npm run bench:gateway`: origin, a fast and a 500 ms shadow, and every proxy under comparison,
 * each in its own process on 127.0.0.1; wrk (or autocannon) drives each target in interleaved
 * rounds and the medians are printed as a markdown table with the target ratios checked.
 * It is a report: it exits 0 when a check fails (and says FAIL loudly), 1 only when it cannot run.
 */
import { BENCH_USAGE, parseBenchOptions, type BenchOptions } from './bench-options.js'
import { BenchChildProcess } from './bench-child-process.js'
import { BENCH_REQUEST_PATH, BENCH_TARGETS, type BenchTarget, type UpstreamUrls } from './bench-targets.js'
import { runAutocannon } from './load/autocannon-generator.js'
import type { LoadGenerator } from './load/load-result.js'
import { killLoadGenerators } from './load/spawn-bounded.js'
import { runWrk, wrkAvailable } from './load/wrk-generator.js'
import { machineInfo } from './report/machine-info.js'
import { BENCH_JSON_VERSION, writeBenchJson } from './report/json-output.js'
import { formatReport } from './report/markdown-report.js'
import { evaluateChecks } from './report/target-checks.js'
import { summarise, type TargetSummary } from './report/target-summary.js'
import { UPSTREAM_BODY } from './roles/upstream-server.js'
import { measureRun, type RunSample } from './run-sample.js'
import { loadavg } from 'node:os'

const children: BenchChildProcess[] = []
/** Set on SIGINT/SIGTERM: the run stops at the next step and prints no (partial, misleading) report. */
let stopping = false

function log(line: string): void {
  process.stderr.write(`${line}\n`)
}

async function startChild(child: BenchChildProcess): Promise<string> {
  children.push(child)
  return await child.start()
}

async function closeAll(): Promise<void> {
  killLoadGenerators()
  // Proxies first, so nothing is still sending to the upstreams when they close.
  await Promise.allSettled(children.filter((c) => !c.name.startsWith('upstream')).map((c) => c.close()))
  await Promise.allSettled(children.map((c) => c.close()))
}

/** One GET through the target must return the origin's exact body before it is measured. */
async function probe(url: string): Promise<void> {
  const res = await fetch(url + BENCH_REQUEST_PATH, { signal: AbortSignal.timeout(5_000) })
  const body = Buffer.from(await res.arrayBuffer())
  if (res.status !== 200) throw new Error(`probe GET ${BENCH_REQUEST_PATH} answered ${res.status}`)
  if (!body.equals(UPSTREAM_BODY)) throw new Error(`probe GET ${BENCH_REQUEST_PATH} returned a different body (${body.length} bytes)`)
}

interface Prepared {
  readonly target: BenchTarget
  readonly url: string
  readonly proxy: BenchChildProcess | undefined
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''
}

async function run(options: BenchOptions): Promise<void> {
  const startedAt = new Date()
  const t0 = Date.now()
  const machine = machineInfo()
  const selected = BENCH_TARGETS.filter((t) => options.targets === undefined || options.targets.includes(t.key))
  const generate: LoadGenerator = options.load === 'wrk' ? runWrk : runAutocannon

  const origin = new BenchChildProcess('upstream origin', { role: 'origin' })
  const fast = new BenchChildProcess('upstream fast shadow', { role: 'shadow' })
  const slow = new BenchChildProcess('upstream slow shadow', { role: 'shadow', delayMs: 500 })
  const [originUrl, fastUrl, slowUrl] = await Promise.all([startChild(origin), startChild(fast), startChild(slow)])
  let redisUrl: string | undefined
  let redisFailure: string | undefined
  if (selected.some((t) => t.redis)) {
    try {
      redisUrl = await startChild(new BenchChildProcess('redis-server', { role: 'redis' }))
    } catch (err) {
      redisFailure = message(err)
    }
  }
  const urls: UpstreamUrls = { origin: originUrl, fast: fastUrl, slow: slowUrl, redis: redisUrl }
  log(`origin ${originUrl}, fast shadow ${fastUrl}, slow shadow ${slowUrl}${redisUrl ? `, redis ${redisUrl}` : ''}`)

  const failures = new Map<string, string>()
  const prepared: Prepared[] = []
  for (const target of selected) {
    if (stopping) return
    try {
      if (target.redis && redisUrl === undefined) throw new Error(`redis-server did not start: ${redisFailure ?? 'unknown'}`)
      const proxy = target.proxy ? new BenchChildProcess(target.key, target.proxy(urls)) : undefined
      const url = proxy ? await startChild(proxy) : originUrl
      await probe(url)
      prepared.push({ target, url, proxy })
    } catch (err) {
      if (stopping) return
      failures.set(target.key, message(err))
      log(`${target.key}: FAILED to start: ${message(err)}`)
    }
  }

  const samples = new Map<string, RunSample[]>(selected.map((t) => [t.key, []]))
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no target always runs right after the same neighbour.
    const order = prepared.map((_, i) => prepared[(i + round) % prepared.length]).filter((p): p is Prepared => p !== undefined)
    for (const p of order) {
      if (stopping) return
      if (failures.has(p.target.key)) continue
      try {
        const shadow = p.target.shadow === 'fast' ? fast : p.target.shadow === 'slow' ? slow : undefined
        const s = await measureRun({ generate, url: p.url + BENCH_REQUEST_PATH, connections: options.connections, durationS: options.durationS, warmupS: options.warmupS, proxy: p.proxy, shadow })
        samples.get(p.target.key)?.push(s)
        log(`[round ${round + 1}/${options.rounds}] ${p.target.key}: ${s.load.rps.toFixed(0)} rps, p50 ${s.load.p50Ms.toFixed(2)} ms, p99 ${s.load.p99Ms.toFixed(2)} ms`)
      } catch (err) {
        if (stopping) return
        failures.set(p.target.key, message(err))
        log(`${p.target.key}: FAILED: ${message(err)}`)
      }
    }
  }

  if (stopping) return
  const summaries: TargetSummary[] = selected.map((t) => summarise(t, samples.get(t.key) ?? [], failures.get(t.key)))
  const checks = evaluateChecks(summaries)
  const report = formatReport({ summaries, checks, machine, options, loadAtEnd: loadavg()[0] ?? 0, startedAt, elapsedS: (Date.now() - t0) / 1_000 })
  process.stdout.write(`${report}\n`)
  if (options.json !== undefined) {
    await writeBenchJson(options.json, {
      v: BENCH_JSON_VERSION,
      bench: 'gateway',
      startedAt: startedAt.toISOString(),
      machine,
      loadAtEnd: loadavg()[0] ?? 0,
      options,
      targets: summaries.map(({ target, ...figures }) => ({ key: target.key, label: target.label, ...figures })),
      checks,
    })
    log(`JSON result written to ${options.json}`)
  }
}

async function main(): Promise<void> {
  let options: BenchOptions
  try {
    options = parseBenchOptions(process.argv.slice(2), wrkAvailable(), BENCH_TARGETS.map((t) => t.key))
  } catch (err) {
    log(message(err))
    log(BENCH_USAGE)
    process.exitCode = 2
    return
  }
  if (options.help) {
    process.stdout.write(`${BENCH_USAGE}\ntargets: ${BENCH_TARGETS.map((t) => t.key).join(', ')}\n`)
    return
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    log(`${signal}: stopping every process the bench started`)
    void closeAll().finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Whatever happens, no child survives the bench (children also exit when the IPC channel drops).
  process.on('exit', () => {
    killLoadGenerators()
    for (const c of children) c.killNow()
  })
  try {
    await run(options)
  } catch (err) {
    if (stopping) return
    log(`bench could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exitCode = 1
  } finally {
    if (!stopping) await closeAll()
  }
}

await main()
