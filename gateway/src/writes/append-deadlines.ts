/** Something waiting for a deadline: `expire` runs once its deadline passed, unless it was settled first. */
export interface DeadlineWaiter {
  settled: boolean
  readonly deadline: number
  expire(): void
}

interface Lane {
  readonly queue: DeadlineWaiter[]
  head: number
}

/**
 * One coarse timer for every pending append instead of a setTimeout per write. Waiters with the same
 * timeout are queued in arrival order, so their deadlines are ordered too: each tick looks only at the
 * heads of its lanes (one per distinct timeout), and settled waiters are dropped as they reach a head.
 * A deadline fires up to one tick late (a tenth of the shortest timeout, at most 10 ms), never early.
 */
export class AppendDeadlines {
  readonly #lanes = new Map<number, Lane>()
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #tickMs = Infinity
  #waiting = 0

  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  /** Waits `timeoutMs` from now; settle the returned waiter (`settled = true`) to stop waiting. */
  wait(timeoutMs: number, expire: () => void): DeadlineWaiter {
    const waiter: DeadlineWaiter = { settled: false, deadline: this.#now() + timeoutMs, expire }
    let lane = this.#lanes.get(timeoutMs)
    if (lane === undefined) {
      lane = { queue: [], head: 0 }
      this.#lanes.set(timeoutMs, lane)
    }
    lane.queue.push(waiter)
    this.#waiting++
    const tick = Math.min(10, Math.max(1, Math.floor(timeoutMs / 10)))
    if (this.#timer === undefined || tick < this.#tickMs) {
      clearInterval(this.#timer)
      this.#tickMs = tick
      this.#timer = setInterval(() => this.check(), tick)
      this.#timer.unref()
    }
    return waiter
  }

  /** Expires every waiter whose deadline passed; stops the timer when nothing waits. */
  check(): void {
    const now = this.#now()
    for (const [timeoutMs, lane] of this.#lanes) {
      const q = lane.queue
      while (lane.head < q.length) {
        const w = q[lane.head]!
        if (!w.settled && w.deadline > now) break
        lane.head++
        this.#waiting--
        if (!w.settled) {
          w.settled = true
          w.expire()
        }
      }
      if (lane.head === q.length) this.#lanes.delete(timeoutMs)
      else if (lane.head > 1024 && lane.head * 2 > q.length) {
        q.splice(0, lane.head)
        lane.head = 0
      }
    }
    if (this.#waiting === 0) this.stop()
  }

  /** Waiters not yet dropped (settled ones count until they reach the head of their lane). */
  size(): number {
    return this.#waiting
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#tickMs = Infinity
  }
}
