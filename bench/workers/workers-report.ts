import type { LoadResult } from '../load/load-result.js'
import type { MachineInfo } from '../report/machine-info.js'

/** Throughput target of two workers over one, on a machine with two cores free for the gateway. */
export const SCALING_TARGET = 1.7
/** Requests per gateway CPU-second with two workers, at least this share of one worker's: two cores give at least 0.9 × twice one core. */
export const PER_CORE_TARGET = 0.9

export interface WorkersRun {
  readonly workers: number
  readonly round: number
  readonly load: LoadResult
  /** Average cores busy during the measured run: gateway (primary + workers), origin, wrk, other (the rest of the machine), machine. */
  readonly cores: Readonly<Record<string, number>>
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

/** Requests served per CPU-second of the gateway's processes (primary and workers) in one run. */
export function requestsPerCpuSecond(r: WorkersRun): number {
  const cores = r.cores['gateway'] ?? 0
  return cores > 0 ? r.load.rps / cores : Number.NaN
}

/** The per-core check: PASS/FAIL on the medians, "missed within spread" when the best 2-worker round meets the worst 1-worker's bound. */
export function perCoreCheck(one: readonly WorkersRun[], two: readonly WorkersRun[]): { ratio: number; min: number; max: number; status: 'PASS' | 'FAIL' | 'missed within spread' } {
  const a = one.map(requestsPerCpuSecond).filter(Number.isFinite)
  const b = two.map(requestsPerCpuSecond).filter(Number.isFinite)
  const ratio = median(b) / median(a)
  const min = Math.min(...b) / Math.max(...a)
  const max = Math.max(...b) / Math.min(...a)
  const status = ratio >= PER_CORE_TARGET ? 'PASS' : max >= PER_CORE_TARGET ? 'missed within spread' : 'FAIL'
  return { ratio, min, max, status }
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

export function formatWorkersReport(o: { startedAt: Date; machine: MachineInfo; loadAtEnd: number; durationS: number; connections: number; mirror: number; counts: readonly number[]; runs: readonly WorkersRun[] }): string {
  const byCount = new Map(o.counts.map((n) => [n, o.runs.filter((r) => r.workers === n)]))
  const med = (n: number, f: (r: WorkersRun) => number): number => median((byCount.get(n) ?? []).map(f))
  const base = med(o.counts[0] ?? 1, (r) => r.load.rps)
  const rows = o.counts.map((n) => {
    const runs = byCount.get(n) ?? []
    const rps = med(n, (r) => r.load.rps)
    return [
      String(n),
      runs.map((r) => r.load.rps.toFixed(0)).join(' / '),
      rps.toFixed(0),
      `${(rps / base).toFixed(2)}×`,
      med(n, (r) => r.load.p50Ms).toFixed(2),
      med(n, (r) => r.load.p99Ms).toFixed(2),
      String(runs.reduce((a, r) => a + r.load.errors + r.load.non2xx, 0)),
      med(n, (r) => r.cores['gateway'] ?? 0).toFixed(2),
      med(n, (r) => r.cores['origin'] ?? 0).toFixed(2),
      med(n, (r) => r.cores['wrk'] ?? 0).toFixed(2),
      med(n, (r) => r.cores['other'] ?? 0).toFixed(2),
      med(n, (r) => r.cores['machine'] ?? 0).toFixed(2),
      med(n, requestsPerCpuSecond).toFixed(0),
      `${Math.min(...runs.map(requestsPerCpuSecond)).toFixed(0)}–${Math.max(...runs.map(requestsPerCpuSecond)).toFixed(0)}`,
    ]
  })
  const two = o.counts.includes(2) && o.counts.includes(1) ? med(2, (r) => r.load.rps) / med(1, (r) => r.load.rps) : undefined
  const lines = [
    `shadowgate --workers (${o.startedAt.toISOString()}): ${o.machine.cores} × ${o.machine.cpuModel}, node ${o.machine.node}, load average ${o.machine.loadAtStart.toFixed(2)} at start, ${o.loadAtEnd.toFixed(2)} at end`,
    `wrk -t1 -c${o.connections} -d${o.durationS}s, mirror ${o.mirror} %, same origin; runs interleaved, medians; cores = average CPU cores busy during the run (other = processes outside the bench)`,
    '',
    table(['workers', 'rps per round', 'rps (median)', 'vs first', 'p50 ms', 'p99 ms', 'errors', 'cores gateway', 'cores origin', 'cores wrk', 'cores other', 'cores machine', 'req per gateway CPU-s', 'spread (min–max)'], rows),
  ]
  if (two !== undefined) {
    const taken = med(2, (r) => (r.cores['origin'] ?? 0) + (r.cores['wrk'] ?? 0) + (r.cores['other'] ?? 0))
    const gw1 = med(1, (r) => r.cores['gateway'] ?? 0)
    const gw2 = med(2, (r) => r.cores['gateway'] ?? 0)
    lines.push(
      '',
      `2 workers / 1 worker: ${two.toFixed(2)}× (target ≥ ${SCALING_TARGET}× on a machine with two cores free for the gateway): ${two >= SCALING_TARGET ? 'PASS' : 'NOT MET'}`,
      `With 2 workers the origin, wrk and other processes kept ${taken.toFixed(2)} of the ${o.machine.cores} cores busy; the gateway got ${gw2.toFixed(2)} cores (${gw1.toFixed(2)} with 1 worker).`,
    )
    const c = perCoreCheck(byCount.get(1) ?? [], byCount.get(2) ?? [])
    const one = med(1, requestsPerCpuSecond)
    lines.push(
      `Per-core throughput (requests per CPU-second of the gateway's processes, from /proc): ${one.toFixed(0)} with 1 worker, ${med(2, requestsPerCpuSecond).toFixed(0)} with 2.`,
      `--workers 2 ≥ ${PER_CORE_TARGET} × 2 × one worker's requests per CPU-second (2 × ${one.toFixed(0)}): ${c.ratio.toFixed(2)}× of one worker's per core (spread ${c.min.toFixed(2)}–${c.max.toFixed(2)}×): ${c.status}`,
    )
  }
  return lines.join('\n')
}
