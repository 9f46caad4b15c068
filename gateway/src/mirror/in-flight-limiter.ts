/**
 * Counts copies in flight per shadow and refuses new ones at the cap, so a shadow that holds
 * requests can tie up at most `max` sockets and buffers of this gateway.
 */
export class InFlightLimiter {
  readonly max: number
  readonly #counts = new Map<string, number>()
  readonly #onChange: ((shadow: string, n: number) => void) | undefined

  constructor(max: number, onChange?: (shadow: string, n: number) => void) {
    this.max = max
    this.#onChange = onChange
  }

  tryAcquire(shadow: string): boolean {
    const n = this.#counts.get(shadow) ?? 0
    if (n >= this.max) return false
    this.#counts.set(shadow, n + 1)
    this.#onChange?.(shadow, n + 1)
    return true
  }

  release(shadow: string): void {
    const n = Math.max(0, (this.#counts.get(shadow) ?? 0) - 1)
    this.#counts.set(shadow, n)
    this.#onChange?.(shadow, n)
  }

  /** True when tryAcquire would refuse right now (a peek: nothing is taken). */
  full(shadow: string): boolean {
    return (this.#counts.get(shadow) ?? 0) >= this.max
  }

  count(shadow: string): number {
    return this.#counts.get(shadow) ?? 0
  }
}
