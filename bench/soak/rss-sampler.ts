import { readFileSync } from 'node:fs'

export interface RssSample {
  /** ms since sampling started. */
  readonly atMs: number
  readonly rssBytes: number
}

export interface RssSummary {
  readonly samples: number
  readonly startMiB: number
  readonly maxMiB: number
  readonly endMiB: number
  /** Mean RSS of the last quarter over that of the second quarter, minus 1: ~0 on a plateau, clearly positive on a leak. */
  readonly growth: number
  /** Highest sample of each minute, in order: the shape of the curve. */
  readonly perMinuteMaxMiB: readonly number[]
}

const MIB = 1_048_576

/** Resident set size of a process from /proc (Linux); undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024
  } catch {
    return undefined
  }
}

function meanBetween(samples: readonly RssSample[], fromMs: number, toMs: number): number {
  const ys = samples.filter((x) => x.atMs >= fromMs && x.atMs <= toMs).map((x) => x.rssBytes / MIB)
  return ys.length === 0 ? Number.NaN : ys.reduce((a, b) => a + b, 0) / ys.length
}

/**
 * Growth of the mean RSS from the second quarter of the phase to the last one, as a fraction. Means
 * over quarters smooth out the garbage collector's saw-tooth; a leak still shows as growth.
 */
function quarterGrowth(samples: readonly RssSample[]): number {
  const end = samples.at(-1)?.atMs ?? 0
  const q2 = meanBetween(samples, end / 4, end / 2)
  const q4 = meanBetween(samples, (3 * end) / 4, end)
  return (q4 - q2) / q2
}

function perMinuteMax(samples: readonly RssSample[]): number[] {
  const out: number[] = []
  for (const s of samples) {
    const minute = Math.floor(s.atMs / 60_000)
    out[minute] = Math.max(out[minute] ?? 0, s.rssBytes / MIB)
  }
  return Array.from(out, (v) => v ?? 0)
}

export function summariseRss(samples: readonly RssSample[]): RssSummary {
  const mib = (b: number | undefined): number => (b ?? 0) / MIB
  return {
    samples: samples.length,
    startMiB: mib(samples[0]?.rssBytes),
    maxMiB: mib(Math.max(0, ...samples.map((s) => s.rssBytes))),
    endMiB: mib(samples.at(-1)?.rssBytes),
    growth: quarterGrowth(samples),
    perMinuteMaxMiB: perMinuteMax(samples),
  }
}

/** Samples a process's RSS every `intervalMs` (and once at start) until stop(). */
export class RssSampler {
  readonly #pid: number
  readonly #samples: RssSample[] = []
  readonly #t0 = Date.now()
  readonly #timer: NodeJS.Timeout
  #stopped = false

  constructor(pid: number, intervalMs: number) {
    this.#pid = pid
    this.#take()
    this.#timer = setInterval(() => this.#take(), intervalMs)
  }

  #take(): void {
    const rss = rssOf(this.#pid)
    if (rss !== undefined) this.#samples.push({ atMs: Date.now() - this.#t0, rssBytes: rss })
  }

  /** Takes a last sample, stops, and returns every sample. Idempotent. */
  stop(): readonly RssSample[] {
    if (!this.#stopped) {
      this.#stopped = true
      clearInterval(this.#timer)
      this.#take()
    }
    return this.#samples
  }
}

/** The samples as CSV lines `phase,seconds,rss_mib`, for plotting. */
export function samplesCsv(phase: string, samples: readonly RssSample[]): string {
  return samples.map((x) => `${phase},${(x.atMs / 1_000).toFixed(1)},${(x.rssBytes / MIB).toFixed(1)}\n`).join('')
}
