import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { Pool } from 'undici'

const TICKS_PER_SECOND = 100

/** utime + stime of a process, in µs, from /proc/<pid>/stat. */
export async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6
}

export interface WriteLoadResult {
  readonly failed: number
  readonly seconds: number
  /** Per-write latency as the client saw it, in ms, sorted. */
  readonly latencies: Float64Array
}

const BODY = JSON.stringify({ name: 'bench item', price: 12.5, tags: ['a', 'b'] })

async function put(pool: Pool, i: number): Promise<boolean> {
  try {
    const res = await pool.request({ path: `/items/${i % 1000}`, method: 'PUT', body: BODY, headers: { 'content-type': 'application/json' } })
    await res.body.dump()
    return res.statusCode === 201
  } catch {
    return false
  }
}

function result(failed: number, started: number, latencies: number[]): WriteLoadResult {
  return { failed, seconds: (performance.now() - started) / 1_000, latencies: Float64Array.from(latencies).sort() }
}

/** `count` PUTs as fast as `connections` closed-loop lanes send them. */
export async function sendWrites(url: string, count: number, connections: number): Promise<WriteLoadResult> {
  const pool = new Pool(url, { connections })
  let left = count
  let failed = 0
  const latencies: number[] = []
  const started = performance.now()
  const lane = async (): Promise<void> => {
    while (left > 0) {
      const i = left--
      const t = performance.now()
      if (!(await put(pool, i))) failed++
      latencies.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: connections }, lane))
  const out = result(failed, started, latencies)
  await pool.close()
  return out
}

/** PUTs at a fixed rate (open loop) for `seconds`, calling `sample` every 100 ms meanwhile. */
export async function paceWrites(url: string, perSecond: number, seconds: number, sample: () => Promise<void>): Promise<WriteLoadResult> {
  const pool = new Pool(url, { connections: 32 })
  const total = Math.round(perSecond * seconds)
  let failed = 0
  const latencies: number[] = []
  const inFlight: Promise<void>[] = []
  const started = performance.now()
  let sent = 0
  let nextSample = started
  while (sent < total) {
    const now = performance.now()
    const due = Math.min(total, Math.floor(((now - started) / 1_000) * perSecond))
    for (; sent < due; sent++) {
      const t = performance.now()
      inFlight.push(
        put(pool, sent).then((ok) => {
          if (!ok) failed++
          latencies.push(performance.now() - t)
        }),
      )
    }
    if (now >= nextSample) {
      nextSample = now + 100
      await sample()
    }
    await new Promise((r) => setTimeout(r, 2))
  }
  await Promise.all(inFlight)
  const out = result(failed, started, latencies)
  await pool.close()
  return out
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

export function median(values: readonly number[]): number {
  return quantile(Float64Array.from(values).sort(), 0.5)
}

/** Redis' own count of commands and of socket reads it served (a pipeline is one read): round trips, seen from the server. */
export async function redisTraffic(url: string): Promise<{ commands: number; reads: number; scripts: number }> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-u', url, 'INFO', 'all'])
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(stdout)?.[1] ?? NaN)
  const calls = (cmd: string): number => Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`, 'm').exec(stdout)?.[1] ?? 0)
  return { commands: field('total_commands_processed'), reads: field('total_reads_processed'), scripts: calls('evalsha') + calls('eval') }
}
