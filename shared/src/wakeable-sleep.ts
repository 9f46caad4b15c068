/**
 * Waits of a polling loop that its owner's close() ends at once: the loop stops without waiting out
 * its interval, and a wait begun after the close returns at once.
 */
export class WakeableSleep {
  readonly #wakers = new Set<() => void>()
  #woken = false

  sleep(ms: number): Promise<void> {
    if (this.#woken) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#wakers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.#wakers.add(wake)
    })
  }

  /** Ends every wait now and every later one at once. Idempotent. */
  wakeAll(): void {
    this.#woken = true
    for (const wake of [...this.#wakers]) wake()
  }
}
