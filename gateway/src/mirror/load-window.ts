import type { NotMirroredReason } from '@shadowgate/shared'
import type { ObservedOutcome } from './mirror-pair.js'

/** What the mirror reports about each copy, for the brakes of a load ramp. Must be cheap and never throw. */
export interface CopyObserver {
  /** A copy of `route` ended (a response, or a failure). */
  copyDone(route: string, outcome: ObservedOutcome): void
  /** A copy of `route` was refused by the isolation (in-flight cap, open circuit). */
  copyRefused(route: string, reason: NotMirroredReason): void
}

/** One route's shadow over one window, as the brakes judge it. */
export interface LoadFigures {
  /** Copies that ended in the window (responses and failures; copies aborted at shutdown are left out). */
  readonly copies: number
  /** 99th percentile of their latency, in ms; null without copies. */
  readonly p99Ms: number | null
  /** Share (0-1) of copies that got a 5xx, timed out or failed. */
  readonly errorRate: number
  readonly inFlightCapHits: number
  readonly circuitOpenHits: number
}

/** Latencies kept per route and window; beyond, a uniform reservoir sample stands for them all. */
const MAX_SAMPLES = 10_000

interface Window {
  latencies: number[]
  seen: number
  errors: number
  cap: number
  circuit: number
}

function emptyWindow(): Window {
  return { latencies: [], seen: 0, errors: 0, cap: 0, circuit: 0 }
}

function p99(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? null
}

/**
 * Per-window figures of the shadows of the routes being load-tested: latency p99, error rate and
 * isolation refusals. Only watched routes are recorded, so a gateway with no ramp running keeps
 * nothing; memory per route is bounded by a reservoir of MAX_SAMPLES latencies.
 */
export class LoadWindow implements CopyObserver {
  readonly #windows = new Map<string, Window>()
  readonly #random: () => number

  constructor(opts: { random?: () => number } = {}) {
    this.#random = opts.random ?? Math.random
  }

  /** Starts recording a route (idempotent); its first window starts now. */
  watch(route: string): void {
    if (!this.#windows.has(route)) this.#windows.set(route, emptyWindow())
  }

  unwatch(route: string): void {
    this.#windows.delete(route)
  }

  watching(route: string): boolean {
    return this.#windows.has(route)
  }

  copyDone(route: string, outcome: ObservedOutcome): void {
    const w = this.#windows.get(route)
    if (w === undefined || (outcome.kind === 'error' && outcome.error === 'aborted')) return
    w.seen++
    if (w.latencies.length < MAX_SAMPLES) w.latencies.push(outcome.latencyMs)
    else {
      const i = Math.floor(this.#random() * w.seen)
      if (i < MAX_SAMPLES) w.latencies[i] = outcome.latencyMs
    }
    if (outcome.kind === 'error' || outcome.status >= 500) w.errors++
  }

  copyRefused(route: string, reason: NotMirroredReason): void {
    const w = this.#windows.get(route)
    if (w === undefined) return
    if (reason === 'in_flight_cap') w.cap++
    else if (reason === 'circuit_open') w.circuit++
  }

  /** The figures of the window that ends now; the next one starts empty. Undefined for a route not watched. */
  take(route: string): LoadFigures | undefined {
    const w = this.#windows.get(route)
    if (w === undefined) return undefined
    this.#windows.set(route, emptyWindow())
    return { copies: w.seen, p99Ms: p99(w.latencies), errorRate: w.seen === 0 ? 0 : w.errors / w.seen, inFlightCapHits: w.cap, circuitOpenHits: w.circuit }
  }
}
