/**
 * The per-window figures the gate judges, kept in one Redis hash per route and window
 * (`gateFiguresKey`): audit workers add judged pairs, mismatches and unjudged pairs; gateways add,
 * per served side, the requests served, their status classes and a coarse latency histogram. The
 * histogram has fixed buckets so the histograms of every gateway instance sum into the fleet's.
 */
import type { ServedSide } from './migration-stage.js'

/** Upper bounds (ms) of the latency buckets; a last, open bucket takes everything slower. */
export const GATE_LATENCY_BUCKETS_MS = [5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000] as const

/** Status classes a gateway counts per side; `err`: no response from the upstream (the gateway answered 502/504). */
export const GATE_STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'err'] as const
export type GateStatusClass = (typeof GATE_STATUS_CLASSES)[number]

/** Fields the audit workers add. */
export const GATE_FIELD_JUDGED = 'judged'
export const GATE_FIELD_MISMATCH = 'mismatch'
export const GATE_FIELD_UNJUDGED = 'unjudged'

/** Hash field of a side's served-request count. */
export function gateServedField(side: ServedSide): string {
  return `${side}:served`
}
export function gateStatusField(side: ServedSide, cls: GateStatusClass): string {
  return `${side}:${cls}`
}
/** Hash field of a side's latency bucket (index into GATE_LATENCY_BUCKETS_MS; its length is the open bucket). */
export function gateLatencyField(side: ServedSide, bucket: number): string {
  return `${side}:lat:${bucket}`
}

export function gateLatencyBucket(ms: number): number {
  for (let i = 0; i < GATE_LATENCY_BUCKETS_MS.length; i++) if (ms <= (GATE_LATENCY_BUCKETS_MS[i] ?? 0)) return i
  return GATE_LATENCY_BUCKETS_MS.length
}

export function gateStatusClass(status: number): GateStatusClass {
  if (status >= 200 && status < 300) return '2xx'
  if (status >= 300 && status < 400) return '3xx'
  if (status >= 400 && status < 500) return '4xx'
  if (status >= 500 && status < 600) return '5xx'
  return 'err'
}

/** One side's served figures in a window. */
export interface GateSideFigures {
  readonly served: number
  /** Answers with a 5xx status, plus requests the upstream never answered. */
  readonly errors5xx: number
  /** Count per latency bucket, GATE_LATENCY_BUCKETS_MS.length + 1 entries. */
  readonly latency: readonly number[]
}

/** A route's figures in one window, summed over the fleet. */
export interface GateFigures {
  readonly judged: number
  readonly mismatches: number
  readonly unjudged: number
  readonly old: GateSideFigures
  readonly new: GateSideFigures
}

/** A hash value as a count; anything else (a hand edit, another version) counts as 0. */
function count(v: string | undefined): number {
  if (v === undefined || !/^\d{1,15}$/.test(v)) return 0
  return Number(v)
}

function side(hash: Readonly<Record<string, string>>, s: ServedSide): GateSideFigures {
  const latency: number[] = []
  for (let i = 0; i <= GATE_LATENCY_BUCKETS_MS.length; i++) latency.push(count(hash[gateLatencyField(s, i)]))
  return { served: count(hash[gateServedField(s)]), errors5xx: count(hash[gateStatusField(s, '5xx')]) + count(hash[gateStatusField(s, 'err')]), latency }
}

/** Reads a figures hash (untrusted: read from Redis); unknown or malformed fields count as 0. */
export function parseGateFigures(hash: Readonly<Record<string, string>>): GateFigures {
  return {
    judged: count(hash[GATE_FIELD_JUDGED]),
    mismatches: count(hash[GATE_FIELD_MISMATCH]),
    unjudged: count(hash[GATE_FIELD_UNJUDGED]),
    old: side(hash, 'old'),
    new: side(hash, 'new'),
  }
}

/**
 * The q-quantile (0-1) of a bucketed histogram as the upper bound of the bucket it falls in (ms), so
 * it never understates; the open bucket reports twice the last bound. Undefined for an empty histogram.
 */
/** What the open bucket reports: twice the last bound. */
const OPEN_BUCKET_MS = 2 * 10_000

export function gateLatencyQuantile(latency: readonly number[], q: number): number | undefined {
  const total = latency.reduce((a, b) => a + b, 0)
  if (total === 0) return undefined
  const rank = Math.ceil(q * total)
  let seen = 0
  for (let i = 0; i < latency.length; i++) {
    seen += latency[i] ?? 0
    if (seen >= rank) return GATE_LATENCY_BUCKETS_MS[i] ?? OPEN_BUCKET_MS
  }
  return OPEN_BUCKET_MS
}
