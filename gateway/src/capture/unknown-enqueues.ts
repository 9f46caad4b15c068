/** A batch whose write was sent to Redis without an answer: whether Redis ran it is not known yet. */
export interface UnknownBatch {
  readonly jobId: string
  readonly pairs: number
  /** When the write was given up on (epoch ms). */
  readonly since: number
}

/**
 * The batches a producer is waiting to reconcile, oldest first, bounded: past `maxBatches` the
 * oldest is given up on (its pairs stay unknown for good) so a Redis that never answers cannot
 * grow this without end. Holds job ids and counts, never the pairs themselves.
 */
export class UnknownEnqueues {
  readonly #maxBatches: number
  #batches: UnknownBatch[] = []
  #pairs = 0

  constructor(maxBatches: number) {
    this.#maxBatches = maxBatches
  }

  /** Pairs whose enqueue outcome is unknown now. */
  get pairs(): number {
    return this.#pairs
  }

  get size(): number {
    return this.#batches.length
  }

  /** Adds a batch; returns the batch given up on to make room, if any. */
  add(batch: UnknownBatch): UnknownBatch | undefined {
    this.#batches.push(batch)
    this.#pairs += batch.pairs
    if (this.#batches.length <= this.#maxBatches) return undefined
    const evicted = this.#batches.shift()
    if (evicted) this.#pairs -= evicted.pairs
    return evicted
  }

  /** Up to `max` of the oldest batches, still held (settle() removes them). */
  oldest(max: number): readonly UnknownBatch[] {
    return this.#batches.slice(0, max)
  }

  /** Removes batches whose outcome is now known. */
  settle(done: ReadonlySet<UnknownBatch>): void {
    if (done.size === 0) return
    this.#batches = this.#batches.filter((b) => {
      if (!done.has(b)) return true
      this.#pairs -= b.pairs
      return false
    })
  }

  /** Removes and returns every batch (at shutdown: their outcome stays unknown). */
  drain(): UnknownBatch[] {
    const all = this.#batches
    this.#batches = []
    this.#pairs = 0
    return all
  }
}
