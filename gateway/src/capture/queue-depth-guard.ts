/**
 * Keeps the audit queue from growing past `maxQueueDepth` pairs when workers fall behind or are gone.
 * Redis counts jobs, and a job carries a batch of pairs, so a count is turned into pairs by
 * multiplying it with the average pairs per job this instance wrote (1 until it wrote any): exact
 * for one producer, an estimate when instances batch differently. The count is refreshed every
 * `depthCheckMs`; in between, pairs this instance enqueued since that count and pairs it still
 * holds are added to it, so one instance cannot overshoot the cap between two checks. Other
 * instances' jobs are only seen at the next check.
 */
export class QueueDepthGuard {
  readonly #max: number
  #lastDepth: number | undefined
  #enqueuedSince = 0
  #pairsWritten = 0
  #jobsWritten = 0

  constructor(maxQueueDepth: number) {
    this.#max = maxQueueDepth
  }

  /** Depth in pairs (estimated from the job count) Redis last reported, undefined until the first check succeeded. */
  get lastDepth(): number | undefined {
    return this.#lastDepth
  }

  /** A fresh job count from Redis. `enqueuedDuringCheck` pairs were added while it ran and may or may not be in it; they are assumed out. */
  observed(jobs: number, enqueuedDuringCheck: number): void {
    const pairsPerJob = this.#jobsWritten === 0 ? 1 : this.#pairsWritten / this.#jobsWritten
    this.#lastDepth = Math.round(jobs * pairsPerJob)
    this.#enqueuedSince = enqueuedDuringCheck
  }

  /** `pairs` pairs went onto the queue in `jobs` jobs. */
  enqueued(pairs: number, jobs = pairs): void {
    this.#enqueuedSince += pairs
    this.#pairsWritten += pairs
    this.#jobsWritten += jobs
  }

  /** Whether one more pair would take the queue past the cap, given `pending` pairs already on their way. */
  full(pending: number): boolean {
    return (this.#lastDepth ?? 0) + this.#enqueuedSince + pending >= this.#max
  }
}
