/**
 * The bytes all audit captures still in progress may hold together (`audit.maxCaptureBytesTotal`):
 * a pair's request body and primary and shadow response bodies from the moment they are captured
 * until the pair is handed to the audit buffer (which has its own bound) or dropped. Without it,
 * each client that reads its response slowly keeps a capture alive for as long as it likes, and
 * many such clients hold memory without limit.
 */
export class CaptureBudget {
  readonly limit: number
  readonly #onChange: ((used: number) => void) | undefined
  #used = 0

  constructor(limit: number, onChange?: (used: number) => void) {
    this.limit = limit
    this.#onChange = onChange
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used
  }

  /** Takes `n` bytes if they fit; false (and nothing taken) when they would pass the limit. */
  take(n: number): boolean {
    if (n <= 0) return true
    if (this.#used + n > this.limit) return false
    this.#used += n
    this.#onChange?.(this.#used)
    return true
  }

  /** Gives back bytes taken earlier. */
  give(n: number): void {
    if (n <= 0) return
    this.#used = Math.max(0, this.#used - n)
    this.#onChange?.(this.#used)
  }
}
