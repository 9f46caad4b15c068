/**
 * Produces capture timestamps in epoch nanoseconds that never repeat within one gateway instance,
 * and that two instances only share by a 1-in-1000 chance per millisecond: the low three digits
 * carry a slot derived from the instance id, the next three a per-millisecond counter.
 *
 * InfluxDB identifies a point by measurement, tags and timestamp, so a unique timestamp means a
 * job BullMQ re-runs rewrites its own point instead of adding one, and two pairs never collide.
 */
export class UniqueClock {
  readonly #slot: number
  readonly #now: () => number
  #lastMs = 0
  #counter = 0

  constructor(instanceId: string, now: () => number = Date.now) {
    this.#slot = hashToSlot(instanceId)
    this.#now = now
  }

  /** Next timestamp as a decimal string of nanoseconds. */
  next(): string {
    let ms = Math.floor(this.#now())
    if (ms <= this.#lastMs) {
      ms = this.#lastMs
      this.#counter++
      if (this.#counter > 999) {
        // More than a thousand pairs in one millisecond: borrow the next millisecond.
        ms = this.#lastMs + 1
        this.#counter = 0
      }
    } else this.#counter = 0
    this.#lastMs = ms
    return `${ms}${String(this.#counter).padStart(3, '0')}${String(this.#slot).padStart(3, '0')}`
  }
}

function hashToSlot(id: string): number {
  let h = 2166136261
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  return (h >>> 0) % 1000
}
