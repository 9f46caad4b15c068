/**
 * Reads V8's `--trace-gc-nvp` output of a process and adds up `allocated=` (bytes allocated since
 * the previous collection, as V8 counts them) over the collections after a mark. The bytes
 * allocated after the last collection are not seen, so a measured window should span many
 * collections: at ~20 KB per request, 40,000 requests are about fifty scavenges.
 */
export class GcAllocationMeter {
  #partial = ''
  #allocated = 0
  #collections = 0
  #lowestAfter = Number.POSITIVE_INFINITY

  /** Feeds a chunk of the traced process's standard output. */
  feed(text: string): void {
    const lines = (this.#partial + text).split('\n')
    this.#partial = lines.pop() ?? ''
    for (const line of lines) {
      const m = /\ballocated=(\d+)/.exec(line)
      if (m === null) continue
      this.#allocated += Number(m[1])
      this.#collections++
      // V8 up to Node 22 calls it total_size_after, Node 24's V8 end_object_size.
      const after = /\b(?:total_size_after|end_object_size)=(\d+)/.exec(line)
      if (after !== null) this.#lowestAfter = Math.min(this.#lowestAfter, Number(after[1]))
    }
  }

  /**
   * Totals so far (subtract two marks to measure a window), and the smallest heap a collection
   * left since the previous mark: close to what the process keeps alive, the garbage that survived
   * into old space included.
   */
  mark(): { readonly allocated: number; readonly collections: number; readonly lowestHeapAfter: number } {
    const lowestHeapAfter = this.#lowestAfter
    this.#lowestAfter = Number.POSITIVE_INFINITY
    return { allocated: this.#allocated, collections: this.#collections, lowestHeapAfter }
  }
}
