/** Latencies a route keeps for its p99: the most recent ones, in a ring. */
const RING_SIZE = 1_024
/** Below this many latencies the p99 is not known yet (a relative threshold does not fire). */
export const MIN_P99_SAMPLES = 100
/** How long a computed p99 is reused before it is computed again from the ring. */
const REFRESH_MS = 1_000

/**
 * The recent p99 latency of one route and side (for `slowThreshold: 2x`): the last latencies in a
 * fixed ring (no allocation per request), sorted into a p99 at most once a second.
 */
export class RecentP99 {
  readonly #ring = new Float64Array(RING_SIZE)
  #next = 0
  #filled = 0
  #p99: number | undefined
  #computedAt = -Infinity

  add(ms: number): void {
    this.#ring[this.#next] = ms
    this.#next = (this.#next + 1) % RING_SIZE
    if (this.#filled < RING_SIZE) this.#filled++
  }

  /** The p99 of the recent latencies, or undefined while fewer than MIN_P99_SAMPLES were seen. */
  p99(nowMs: number): number | undefined {
    if (this.#filled < MIN_P99_SAMPLES) return undefined
    if (nowMs - this.#computedAt >= REFRESH_MS || this.#p99 === undefined) {
      const sorted = this.#ring.slice(0, this.#filled).sort()
      this.#p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]
      this.#computedAt = nowMs
    }
    return this.#p99
  }
}
