const EMPTY = Buffer.alloc(0)

/**
 * Keeps the first `limit` bytes of a body that streams past in chunks and counts the rest, so a
 * capture is bounded whatever the body's size and can say whether it is complete.
 */
export class BodyCapture {
  readonly limit: number
  #chunks: Buffer[] = []
  #kept = 0
  #seen = 0

  constructor(limit: number) {
    this.limit = limit
  }

  add(chunk: Buffer): void {
    this.#seen += chunk.length
    const room = this.limit - this.#kept
    if (room <= 0) return
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room)
    this.#chunks.push(part)
    this.#kept += part.length
  }

  /** How many of the next bytes would be kept. */
  get room(): number {
    return Math.max(0, this.limit - this.#kept)
  }

  /** Bytes seen so far, kept or not. */
  get size(): number {
    return this.#seen
  }

  /** True when more bytes went past than were kept. */
  get truncated(): boolean {
    return this.#seen > this.#kept
  }

  /** The kept bytes as one Buffer. */
  toBuffer(): Buffer {
    if (this.#chunks.length === 0) return EMPTY
    if (this.#chunks.length === 1) return this.#chunks[0] as Buffer
    return Buffer.concat(this.#chunks, this.#kept)
  }

  /** Releases what was kept (the capture is no longer wanted). */
  clear(): void {
    this.#chunks = []
    this.#kept = 0
  }
}
