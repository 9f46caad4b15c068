/**
 * `npm run bench:work`: how much work one proxied request costs each proxy, counted rather than
 * timed: bytes the JavaScript heap allocated (V8's own count, `--trace-gc-nvp`) and system calls
 * (`strace -c`), per request, over a fixed number of requests. Counts do not swing with the
 * machine's load the way requests per second do, so they tell whether a proxy does more work or
 * only gets less CPU. Each target gets its own process, warmed up with as many requests as are
 * measured; then allocations are counted over one window and system calls over a second, shorter
 * one (strace slows the process down). With `--instructions N`, CPU instructions per request too,
 * counted by valgrind's callgrind in N interleaved rounds of their own.
 * It is a report: it exits 2 on a bad flag (the message names it) and 1 when it cannot run.
 */
import { BenchProcesses } from './bench-processes.js'
import { BENCH_REQUEST_PATH, BENCH_TARGETS, type UpstreamUrls } from './bench-targets.js'
import { machineInfo } from './report/machine-info.js'
import { median } from './report/target-summary.js'
import { sendFixedCount } from './work/fixed-count-load.js'
import { GcAllocationMeter } from './work/gc-allocation-meter.js'
import { INSTRUCTION_WARMUP_REQUESTS, INSTRUCTION_WINDOW_REQUESTS, callgrindAvailable, countInstructions } from './work/instruction-counter.js'
import { countSyscalls, straceAvailable } from './work/syscall-counter.js'
import { WORK_USAGE, parseWorkOptions, type WorkOptions } from './work/work-options.js'

/** What one target cost, per request. */
interface WorkRow {
  readonly key: string
  readonly label: string
  readonly allocatedBytes: number
  readonly collections: number
  /** Smallest heap a collection left during the window, bytes. */
  readonly heapBytes: number
  /** Per syscall name; undefined when strace is not installed. */
  readonly syscalls: ReadonlyMap<string, number> | undefined
  readonly failed: number
}

const SYSCALL_COLUMNS = ['read', 'write', 'writev', 'epoll_pwait', 'futex'] as const
/** strace slows the traced process several times over; counts per request settle long before this many. */
const MAX_SYSCALL_REQUESTS = 10_000

async function measureTarget(procs: BenchProcesses, urls: UpstreamUrls, key: string, options: WorkOptions, strace: boolean): Promise<WorkRow> {
  const target = BENCH_TARGETS.find((t) => t.key === key)
  if (target?.proxy === undefined) throw new Error(`target ${key} has no proxy process`)
  const meter = new GcAllocationMeter()
  const { child, url } = await procs.child(`proxy ${key}`, target.proxy(urls), { execArgv: ['--trace-gc-nvp'], onStdout: (t) => meter.feed(t) })
  const { requests, connections } = options
  procs.log(`${key}: warming up (${requests} requests)`)
  let failed = (await sendFixedCount(url, BENCH_REQUEST_PATH, requests, connections)).failed
  const before = meter.mark()
  failed += (await sendFixedCount(url, BENCH_REQUEST_PATH, requests, connections)).failed
  const after = meter.mark()
  let syscalls: Map<string, number> | undefined
  const pid = child.pid
  const traced = Math.min(requests, MAX_SYSCALL_REQUESTS)
  if (strace && pid !== undefined) {
    procs.log(`${key}: counting system calls (${traced} requests, under strace)`)
    syscalls = await countSyscalls(pid, async () => {
      failed += (await sendFixedCount(url, BENCH_REQUEST_PATH, traced, connections)).failed
    })
  }
  await child.close()
  return {
    key,
    label: target.label,
    allocatedBytes: (after.allocated - before.allocated) / requests,
    collections: after.collections - before.collections,
    heapBytes: after.lowestHeapAfter,
    syscalls: syscalls === undefined ? undefined : new Map([...syscalls].map(([name, n]) => [name, n / traced])),
    failed,
  }
}

function sum(map: ReadonlyMap<string, number>): number {
  let total = 0
  for (const n of map.values()) total += n
  return total
}

function formatTable(rows: readonly WorkRow[]): string {
  const head = ['target', 'KB allocated / req', 'GCs in window', 'heap after GC, MB', 'syscalls / req', ...SYSCALL_COLUMNS.map((s) => `${s} / req`), 'other / req', 'failed']
  const lines = [`| ${head.join(' | ')} |`, `| --- |${' ---: |'.repeat(head.length - 1)}`]
  for (const r of rows) {
    const sc = r.syscalls
    const cells = [
      `${r.label} (\`${r.key}\`)`,
      (r.allocatedBytes / 1024).toFixed(1),
      String(r.collections),
      Number.isFinite(r.heapBytes) ? (r.heapBytes / 2 ** 20).toFixed(1) : 'n/a',
      sc ? sum(sc).toFixed(2) : 'n/a',
      ...SYSCALL_COLUMNS.map((s) => (sc ? (sc.get(s) ?? 0).toFixed(2) : 'n/a')),
      sc ? (sum(sc) - SYSCALL_COLUMNS.reduce((t, s) => t + (sc.get(s) ?? 0), 0)).toFixed(2) : 'n/a',
      String(r.failed),
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** Pairs of targets whose difference is one feature: subject, reference. */
const FEATURE_PAIRS = [
  ['raw-undici-mirror', 'raw-undici'],
  ['sg-fast', 'sg-off'],
  ['sg-capture', 'sg-fast'],
  ['sg-audit', 'sg-fast'],
  ['sg-audit', 'sg-capture'],
] as const

/** What mirroring (and auditing) adds, for the pairs of targets that differ only by that. */
function formatMirrorCost(rows: readonly WorkRow[]): string[] {
  const by = new Map(rows.map((r) => [r.key, r]))
  const out: string[] = []
  for (const [withCopy, without] of FEATURE_PAIRS) {
    const a = by.get(withCopy)
    const b = by.get(without)
    if (a === undefined || b === undefined) continue
    const kb = ((a.allocatedBytes - b.allocatedBytes) / 1024).toFixed(1)
    const calls = a.syscalls && b.syscalls ? (sum(a.syscalls) - sum(b.syscalls)).toFixed(2) : 'n/a'
    out.push(`- \`${withCopy}\` adds ${kb} KB allocated and ${calls} system calls per request over \`${without}\``)
  }
  return out
}


const spread = (xs: readonly number[], f: (x: number) => string): string => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`

/** Instructions per request under callgrind, `rounds` interleaved rounds (order alternating), as Markdown. */
async function instructionReport(procs: BenchProcesses, urls: UpstreamUrls, options: WorkOptions): Promise<string[]> {
  const counts = new Map<string, number[]>(options.targets.map((k) => [k, []]))
  for (let round = 0; round < options.instructions; round++) {
    for (const key of round % 2 === 0 ? options.targets : [...options.targets].reverse()) {
      const target = BENCH_TARGETS.find((t) => t.key === key)
      if (target?.proxy === undefined) continue
      procs.log(`${key}: counting instructions, round ${round + 1} of ${options.instructions} (under callgrind)`)
      counts.get(key)?.push(await countInstructions(procs, `proxy ${key} (callgrind)`, target.proxy(urls), BENCH_REQUEST_PATH, options.connections))
    }
  }
  const k = (n: number): string => `${(n / 1000).toFixed(0)}k`
  const out = [
    `Instructions per request (valgrind callgrind, the proxy process only, kernel excluded; ${INSTRUCTION_WINDOW_REQUESTS} requests counted after ${INSTRUCTION_WARMUP_REQUESTS} uncounted, ${options.instructions} interleaved rounds; median and spread):`,
    '',
    '| target | instructions / req | spread |',
    '| --- | ---: | ---: |',
  ]
  for (const [key, xs] of counts) if (xs.length > 0) out.push(`| \`${key}\` | ${k(median(xs))} | ${spread(xs, k)} |`)
  out.push('')
  for (const [a, b] of FEATURE_PAIRS) {
    const xs = counts.get(a)
    const ys = counts.get(b)
    if (xs === undefined || ys === undefined || xs.length === 0 || ys.length !== xs.length) continue
    const ratios = xs.map((x, i) => x / (ys[i] as number))
    out.push(`- \`${a}\` / \`${b}\`: ${median(ratios).toFixed(2)}× (rounds ${spread(ratios, (r) => r.toFixed(2))}×), ${k(median(xs) - median(ys))} instructions per request more`)
  }
  return out
}

async function main(): Promise<void> {
  let options: WorkOptions
  try {
    options = parseWorkOptions(process.argv.slice(2))
  } catch (err) {
    // A bad flag is the caller's mistake, told apart from a bench that could not run (exit 1).
    process.stderr.write(`${(err as Error).message}\n`)
    process.exitCode = 2
    return
  }
  if (options.help) {
    process.stdout.write(`${WORK_USAGE}\n`)
    return
  }
  const procs = new BenchProcesses('work')
  procs.stopOnExit()
  const strace = straceAvailable()
  if (!strace) procs.log('strace is not installed: system calls are not counted (apt-get install strace)')
  try {
    const origin = await procs.child('upstream origin', { role: 'origin' })
    const fast = await procs.child('upstream fast', { role: 'shadow' })
    const slow = await procs.child('upstream slow', { role: 'shadow', delayMs: 500 })
    const needsRedis = options.targets.some((key) => BENCH_TARGETS.find((t) => t.key === key)?.redis === true)
    const redis = needsRedis ? (await procs.child('redis-server', { role: 'redis' })).url : undefined
    const urls: UpstreamUrls = { origin: origin.url, fast: fast.url, slow: slow.url, redis }
    const rows: WorkRow[] = []
    for (const key of options.targets) rows.push(await measureTarget(procs, urls, key, options, strace))
    const m = machineInfo()
    const out = [
      `Work per request over ${options.connections} keep-alive connections (GET of a ~1 KB JSON body): allocations over ${options.requests} requests, system calls over ${Math.min(options.requests, MAX_SYSCALL_REQUESTS)} more; ${m.cpuModel}, ${m.cores} cores, Node ${m.node}:`,
      '',
      formatTable(rows),
      '',
      ...formatMirrorCost(rows),
    ]
    if (options.instructions > 0) {
      if (callgrindAvailable()) out.push('', ...(await instructionReport(procs, urls, options)))
      else procs.log('valgrind is not installed: instructions are not counted (apt-get install valgrind)')
    }
    process.stdout.write(`${out.join('\n')}\n`)
  } finally {
    await procs.closeAll()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:work failed: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
