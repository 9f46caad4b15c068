/** A call with a deadline: expired by CopyDeadlines unless it settled first. */
export interface ExpiringCall {
  /** True once the call ended on its own: its deadline no longer matters. */
  readonly settled: boolean
  /** The deadline passed before the call settled. */
  expire(): void
}

/** Fewest entries kept before settled calls behind a pending one are swept out. */
const MIN_SWEEP = 1_024

/**
 * The deadlines of copies in flight, on one timer instead of one per copy. Every copy gets the same
 * time (`mirror.timeout`), so deadlines come due in the order the copies left: a queue in sending
 * order whose head is the next deadline, and a single timer armed for it. A copy that settles
 * costs nothing here; it is skipped when it reaches the head. A copy never expires before its
 * deadline: the timer may fire late (a busy event loop), never early.
 *
 * Memory stays bounded by the copies in flight: settled calls queued behind a pending one (a slow
 * copy at the head) are swept out whenever the queue has doubled since the last sweep.
 */
export class CopyDeadlines {
  readonly timeoutMs: number
  readonly #now: () => number
  #calls: (ExpiringCall | undefined)[] = []
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

  /** Starts the deadline of a call that just left. After close(), nothing is tracked. */
  add(call: ExpiringCall): void {
    if (this.#closed) return
    const due = this.#now() + this.timeoutMs
    this.#skipSettled()
    if (this.#calls.length - this.#head >= this.#sweepAt) this.#sweep()
    this.#calls.push(call)
    this.#due.push(due)
    if (this.#timer === undefined) this.#arm(due)
  }

  /** Stops the timer and forgets every call (shutdown aborts them itself). Idempotent. */
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
          // ShadowCall.expire does not throw; an ExpiringCall that does loses only its own report.
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
    const calls: (ExpiringCall | undefined)[] = []
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
