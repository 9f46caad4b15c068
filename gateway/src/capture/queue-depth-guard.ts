/**
 * Keeps the audit queue from growing past `maxQueueDepth` when workers fall behind or are gone.
 * The depth Redis last reported is refreshed every `depthCheckMs`; in between, jobs this instance
 * enqueued since that count and pairs it still holds are added to it, so one instance cannot
 * overshoot the cap between two checks. Other instances' jobs are only seen at the next check.
 */
export class QueueDepthGuard {
  readonly #max: number
  #lastDepth: number | undefined
  #enqueuedSince = 0

  constructor(maxQueueDepth: number) {
    this.#max = maxQueueDepth
  }

  /** Depth Redis last reported, undefined until the first check succeeded. */
  get lastDepth(): number | undefined {
    return this.#lastDepth
  }

  /** A fresh count from Redis. `enqueuedDuringCheck` were added while it ran and may or may not be in it; they are assumed out. */
  observed(depth: number, enqueuedDuringCheck: number): void {
    this.#lastDepth = depth
    this.#enqueuedSince = enqueuedDuringCheck
  }

  enqueued(n: number): void {
    this.#enqueuedSince += n
  }

  /** Whether one more pair would take the queue past the cap, given `pending` pairs already on their way. */
  full(pending: number): boolean {
    return (this.#lastDepth ?? 0) + this.#enqueuedSince + pending >= this.#max
  }
}
