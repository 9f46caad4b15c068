/** A slot of a saturated shadow reopens after a random delay of up to this share of how long its copy took. */
export const RELEASE_JITTER = 0.25
/** A shadow counts as saturated for this long after the limiter last refused it a copy. */
export const SATURATED_WINDOW_MS = 1_000

export interface InFlightLimiterOptions {
  readonly onChange?: (shadow: string, n: number) => void
  /** Source of randomness for the release jitter (tests pass a fixed one). Default Math.random. */
  readonly random?: () => number
}

/**
 * Counts copies in flight per shadow and refuses new ones at the cap, so a shadow that holds
 * requests can tie up at most `max` sockets and buffers of this gateway.
 *
 * While a shadow is saturated (copies are being refused), a finished copy's slot reopens after a
 * random delay of up to RELEASE_JITTER of that copy's duration instead of at once. Otherwise the
 * slots of a slow shadow stay synchronised: they fill within a few milliseconds, their answers
 * come back together one latency later, and every freed slot is refilled by the very next
 * request, so the gateway handles all of them in one burst per cycle, and client requests that
 * arrive during the burst wait for it (measured: p99 +25 % with a 500 ms shadow and 128 slots).
 * The jitter spreads the cycles out; it costs a saturated shadow a few percent of its copies, which
 * would have been dropped anyway, and nothing at all when the shadow keeps up.
 */
export class InFlightLimiter {
  readonly max: number
  readonly #counts = new Map<string, number>()
  readonly #lastRefused = new Map<string, number>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #onChange: ((shadow: string, n: number) => void) | undefined
  readonly #random: () => number
  #closed = false

  constructor(max: number, options: InFlightLimiterOptions = {}) {
    this.max = max
    this.#onChange = options.onChange
    this.#random = options.random ?? Math.random
  }

  tryAcquire(shadow: string): boolean {
    const n = this.#counts.get(shadow) ?? 0
    if (n >= this.max) {
      this.#refused(shadow)
      return false
    }
    this.#counts.set(shadow, n + 1)
    this.#onChange?.(shadow, n + 1)
    return true
  }

  /** Gives the slot of a copy that took `heldMs` back: at once, or after the jitter while the shadow is saturated. */
  release(shadow: string, heldMs = 0): void {
    const lastRefused = this.#lastRefused.get(shadow)
    const saturated = lastRefused !== undefined && performance.now() - lastRefused < SATURATED_WINDOW_MS
    const delay = saturated && !this.#closed ? this.#random() * heldMs * RELEASE_JITTER : 0
    if (delay < 1) {
      this.#release(shadow)
      return
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.#release(shadow)
    }, delay)
    // A slot waiting to reopen must never keep a process alive.
    timer.unref()
    this.#timers.add(timer)
  }

  /** True when tryAcquire would refuse right now (a peek: nothing is taken, but the refusal counts as saturation). */
  full(shadow: string): boolean {
    if ((this.#counts.get(shadow) ?? 0) < this.max) return false
    this.#refused(shadow)
    return true
  }

  count(shadow: string): number {
    return this.#counts.get(shadow) ?? 0
  }

  /** Reopens every slot waiting for its jitter at once; later releases are immediate. Idempotent. */
  close(): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    this.#counts.clear()
  }

  #refused(shadow: string): void {
    this.#lastRefused.set(shadow, performance.now())
  }

  #release(shadow: string): void {
    const n = Math.max(0, (this.#counts.get(shadow) ?? 0) - 1)
    this.#counts.set(shadow, n)
    this.#onChange?.(shadow, n)
  }
}
