import type { MirrorPair, ObservedOutcome } from '../mirror/mirror-pair.js'

/** A pair waiting for its batch, with the capture time it was given when it arrived. */
export interface BufferedPair {
  readonly pair: MirrorPair
  readonly capturedAtNs: string
  readonly bytes: number
}

function outcomeBytes(o: ObservedOutcome): number {
  return o.kind === 'response' ? o.body.length : 0
}

/** Bytes a pair keeps alive while it waits: the bodies, which dwarf everything else. */
export function pairBytes(pair: MirrorPair): number {
  return pair.request.body.length + outcomeBytes(pair.primary) + outcomeBytes(pair.shadow)
}

/**
 * The producer's in-process buffer: FIFO, bounded both in pairs and in body bytes, so a slow or
 * absent Redis costs at most a known amount of gateway memory. `offer` never blocks: a pair that
 * does not fit is refused and the caller counts it.
 */
export class PairBuffer {
  readonly #maxPairs: number
  readonly #maxBytes: number
  #items: BufferedPair[] = []
  #bytes = 0

  constructor(maxPairs: number, maxBytes: number) {
    this.#maxPairs = maxPairs
    this.#maxBytes = maxBytes
  }

  get length(): number {
    return this.#items.length
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Adds the pair unless that would pass a bound; an empty buffer takes any single pair, however large. */
  offer(item: BufferedPair): boolean {
    if (this.#items.length >= this.#maxPairs) return false
    if (this.#items.length > 0 && this.#bytes + item.bytes > this.#maxBytes) return false
    this.#items.push(item)
    this.#bytes += item.bytes
    return true
  }

  /** Removes the oldest pairs: at most `maxPairs`, and no more than `maxBytes` unless the first alone is larger. */
  take(maxPairs: number, maxBytes: number): BufferedPair[] {
    let n = 0
    let bytes = 0
    for (const item of this.#items) {
      if (n >= maxPairs || (n > 0 && bytes + item.bytes > maxBytes)) break
      bytes += item.bytes
      n++
    }
    const out = this.#items.splice(0, n)
    this.#bytes -= bytes
    return out
  }

  /** Empties the buffer and returns what it held. */
  drain(): BufferedPair[] {
    const out = this.#items
    this.#items = []
    this.#bytes = 0
    return out
  }
}
