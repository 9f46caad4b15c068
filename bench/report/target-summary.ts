import type { BenchTarget } from '../bench-targets.js'
import type { RunSample } from '../run-sample.js'

/** The figures of one round of one target. */
export interface RoundFigures {
  readonly rps: number
  readonly p99Ms: number
  readonly cpuUsPerRequest: number | undefined
}

/** The rounds of one target reduced to what the report prints. */
export interface TargetSummary {
  readonly target: BenchTarget
  readonly rounds: number
  /** Medians over rounds. */
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly rpsMin: number
  readonly rpsMax: number
  /** Shadow requests received / requests completed, over all rounds; undefined without a shadow. */
  readonly reachedShadow: number | undefined
  readonly maxRssBytes: number | undefined
  /** Medians over rounds of the proxy's CPU (all threads) and event-loop busy time per request, µs. */
  readonly cpuUsPerRequest: number | undefined
  readonly loopUsPerRequest: number | undefined
  /** Spread of the CPU per request over rounds, µs. */
  readonly cpuUsMin: number | undefined
  readonly cpuUsMax: number | undefined
  /** Each measured round in order, for ratios taken round by round against another target. */
  readonly perRound: readonly RoundFigures[]
  readonly errors: number
  readonly non2xx: number
  readonly mirrored: number | undefined
  readonly notMirrored: Readonly<Record<string, number>> | undefined
  readonly shadowErrors: number | undefined
  readonly audit: Readonly<Record<string, number>> | undefined
  /** Why the target has no numbers (it failed to start or to run). */
  readonly failure: string | undefined
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? Number.NaN) + (s[mid] ?? Number.NaN)) / 2
}

function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined)
  return present.length ? median(present) : undefined
}

function sum(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined)
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined
}

function sumRecords(records: readonly (Readonly<Record<string, number>> | undefined)[]): Record<string, number> | undefined {
  const present = records.filter((r): r is Readonly<Record<string, number>> => r !== undefined)
  if (!present.length) return undefined
  const out: Record<string, number> = {}
  for (const r of present) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v
  return out
}

export function summarise(target: BenchTarget, samples: readonly RunSample[], failure: string | undefined): TargetSummary {
  const rps = samples.map((s) => s.load.rps)
  const requests = sum(samples.map((s) => s.load.requests)) ?? 0
  const received = sum(samples.map((s) => s.shadowReceived))
  const rss = samples.map((s) => s.rssBytes).filter((v): v is number => v !== undefined)
  const cpu = samples.map((s) => s.cpuUsPerRequest).filter((v): v is number => v !== undefined)
  return {
    target,
    rounds: samples.length,
    rps: median(rps),
    p50Ms: median(samples.map((s) => s.load.p50Ms)),
    p99Ms: median(samples.map((s) => s.load.p99Ms)),
    rpsMin: rps.length ? Math.min(...rps) : Number.NaN,
    rpsMax: rps.length ? Math.max(...rps) : Number.NaN,
    reachedShadow: received === undefined || requests === 0 ? undefined : received / requests,
    maxRssBytes: rss.length ? Math.max(...rss) : undefined,
    cpuUsPerRequest: medianOf(samples.map((s) => s.cpuUsPerRequest)),
    loopUsPerRequest: medianOf(samples.map((s) => s.loopUsPerRequest)),
    cpuUsMin: cpu.length ? Math.min(...cpu) : undefined,
    cpuUsMax: cpu.length ? Math.max(...cpu) : undefined,
    perRound: samples.map((s) => ({ rps: s.load.rps, p99Ms: s.load.p99Ms, cpuUsPerRequest: s.cpuUsPerRequest })),
    errors: sum(samples.map((s) => s.load.errors)) ?? 0,
    non2xx: sum(samples.map((s) => s.load.non2xx)) ?? 0,
    mirrored: sum(samples.map((s) => s.mirrored)),
    notMirrored: sumRecords(samples.map((s) => s.notMirrored)),
    shadowErrors: sum(samples.map((s) => s.shadowErrors)),
    audit: sumRecords(samples.map((s) => s.audit)),
    failure,
  }
}
