import type { IncomingMessage } from 'node:http'
import type { RouteWritesConfig } from '@shadowgate/shared'
import { requestPath } from '../routes/route-table.js'

/** FNV-1a: stable across processes and versions, so every gateway puts a key in the same partition. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * Picks a write's partition (stream) from its partition key: writes with the same key share a
 * partition and keep their order; different keys spread over `partitions` streams replayed in
 * parallel. A write without the key (header missing) goes to partition 0.
 */
export class WritePartitioner {
  readonly #partitions: number
  readonly #by: RouteWritesConfig['partitionBy']
  /** Index of the parameter's segment in the path (`/items/:id` → 2). */
  readonly #segment: number

  constructor(match: string, writes: RouteWritesConfig) {
    this.#partitions = writes.partitions
    this.#by = writes.partitionBy
    this.#segment = this.#by?.source === 'param' ? match.split('/').indexOf(`:${this.#by.name}`) : -1
  }

  /** The partition key of a request, or undefined when the route is not partitioned or the key is missing. */
  keyOf(req: IncomingMessage): string | undefined {
    const by = this.#by
    if (by === undefined) return undefined
    if (by.source === 'header') {
      const v = req.headers[by.name]
      return Array.isArray(v) ? v[0] : v
    }
    const path = requestPath(req.url ?? '/')
    const seg = path?.split('/')[this.#segment]
    return seg === '' ? undefined : seg
  }

  partitionOf(req: IncomingMessage): number {
    if (this.#partitions === 1) return 0
    const key = this.keyOf(req)
    return key === undefined ? 0 : fnv1a(key) % this.#partitions
  }
}
