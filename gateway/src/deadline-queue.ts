/** Something with a deadline: expired by a DeadlineQueue unless it settled first. */
export interface Expiring {
  /** True once the call ended on its own: its deadline no longer matters. */
  readonly settled: boolean
  /** The deadline passed before the call settled. */
  expire(): void
}

/** Fewest entries kept before settled calls behind a pending one are swept out. */
const MIN_SWEEP = 1_024

/**
 * Deadlines of things that all get the same time (copies in flight: `mirror.timeout`; write-log
 * appends: a route's `appendTimeout`), on one timer instead of one each. With one timeout, deadlines
 * come due in the order things were added: a queue in that order whose head is the next deadline, and
 * a single timer armed for it. One that settles costs nothing here; it is skipped when it reaches the
 * head. Nothing expires before its deadline: the timer may fire late (a busy event loop), never early.
 *
 * Memory stays bounded by what is pending: settled entries queued behind a pending one (a slow one at
 * the head) are swept out whenever the queue has doubled since the last sweep.
 */
export class DeadlineQueue {
  readonly timeoutMs: number
  readonly #now: () => number
  #calls: (Expiring | undefined)[] = []
  #due: number[] = []
  #head = 0
  #sweepAt = MIN_SWEEP
  #timer: NodeJS.Timeout | undefined
  #closed = false

  /** @param now clock in ms (tests inject one); default performance.now. */
  constructor(timeoutMs: number, now: () => number = () => performance.now()) {
    this.timeoutMs = timeoutMs
    this.#now = now
  }

  /** Number of calls queued (settled ones not yet swept out included). */
  get size(): number {
    return this.#calls.length - this.#head
  }

  /** Starts the deadline of something that just began. After close(), nothing is tracked. */
  add(call: Expiring): void {
    if (this.#closed) return
    const due = this.#now() + this.timeoutMs
    this.#skipSettled()
    if (this.#calls.length - this.#head >= this.#sweepAt) this.#sweep()
    this.#calls.push(call)
    this.#due.push(due)
    if (this.#timer === undefined) this.#arm(due)
  }

  /** Stops the timer and forgets everything queued (its owner ends those itself). Idempotent. */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#calls = []
    this.#due = []
    this.#head = 0
  }

  readonly #fire = (): void => {
    this.#timer = undefined
    const now = this.#now()
    while (this.#head < this.#calls.length) {
      const call = this.#calls[this.#head]
      if (call !== undefined && !call.settled) {
        if ((this.#due[this.#head] ?? 0) > now) break
        this.#calls[this.#head] = undefined
        this.#head++
        // Its own failure path reports the timeout; a throw must not strand the calls behind it.
        try {
          call.expire()
        } catch {
          // The owners' expire() does not throw; one that does loses only its own report.
        }
        continue
      }
      this.#calls[this.#head] = undefined
      this.#head++
    }
    this.#compact()
    // expire() may have sent (and armed for) another copy.
    if (this.#timer === undefined && !this.#closed && this.#head < this.#calls.length) this.#arm(this.#due[this.#head] ?? now)
  }

  #arm(due: number): void {
    // Rounded up: a timer fires at the earliest after its delay, so the call is then surely due.
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(due - this.#now())))
    // A pending copy must never keep a process alive on its own.
    this.#timer.unref()
  }

  #skipSettled(): void {
    while (this.#head < this.#calls.length && this.#calls[this.#head]?.settled !== false) {
      this.#calls[this.#head] = undefined
      this.#head++
    }
    this.#compact()
  }

  /** Drops the consumed front of the queue once it is most of it. */
  #compact(): void {
    if (this.#head === this.#calls.length) {
      this.#calls.length = 0
      this.#due.length = 0
      this.#head = 0
    } else if (this.#head >= MIN_SWEEP && this.#head * 2 >= this.#calls.length) {
      this.#calls = this.#calls.slice(this.#head)
      this.#due = this.#due.slice(this.#head)
      this.#head = 0
    }
  }

  /** Removes settled calls from the whole queue, keeping sending order. */
  #sweep(): void {
    const calls: (Expiring | undefined)[] = []
    const due: number[] = []
    for (let i = this.#head; i < this.#calls.length; i++) {
      const call = this.#calls[i]
      if (call === undefined || call.settled) continue
      calls.push(call)
      due.push(this.#due[i] ?? 0)
    }
    this.#calls = calls
    this.#due = due
    this.#head = 0
    this.#sweepAt = Math.max(MIN_SWEEP, calls.length * 2)
  }
}
