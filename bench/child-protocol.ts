/** The roles a bench child process can play; each runs in its own process so no two share an event loop. */
export const CHILD_ROLES = ['origin', 'shadow', 'raw-undici', 'node-http-proxy', 'reply-from', 'shadowgate', 'redis'] as const

export type ChildRole = (typeof CHILD_ROLES)[number]

/** What the parent passes to a child (as one JSON argument). */
export interface ChildSpec {
  readonly role: ChildRole
  /** Upstream servers: answer delay in ms (0 = at once). */
  readonly delayMs?: number
  /** Upstream servers: every Nth answer has one changed price (a shadow that differs now and then). */
  readonly mismatchEvery?: number
  /** Proxies: the origin to forward to. */
  readonly origin?: string
  /** Proxies: where copies go; absent means no copy. */
  readonly shadow?: string
  /** shadowgate: mirror percent of the single route. */
  readonly mirrorPercent?: number
  /** shadowgate: capture pairs and enqueue them to this Redis. */
  readonly redisUrl?: string
  /** shadowgate with audit: the producer's queue depth bound. */
  readonly maxQueueDepth?: number
  /** shadowgate: capture every pair as the audit does, then discard it (no producer, no Redis). */
  readonly discardPairs?: boolean
}

/** Counters a child reports on request; absent fields do not apply to its role. */
export interface ChildStats {
  readonly rssBytes: number
  /** CPU time of the whole process (every thread) since start, µs: user + system. */
  readonly cpuMicros?: number
  /** Time the main thread's event loop was busy since start, ms. */
  readonly loopActiveMs?: number
  /** Upstream servers: requests received since start. */
  readonly received?: number
  /** shadowgate: per-route counters summed over routes. */
  readonly mirrored?: number
  readonly notMirrored?: Readonly<Record<string, number>>
  readonly shadowErrors?: number
  /** shadowgate with audit: shadowgate_audit_pairs_total by result. */
  readonly audit?: Readonly<Record<string, number>>
}

export type ParentMessage = { readonly type: 'stats'; readonly id: number } | { readonly type: 'close' }

export type ChildMessage =
  | { readonly type: 'ready'; readonly port: number; readonly url: string }
  | { readonly type: 'stats'; readonly id: number; readonly stats: ChildStats }
  | { readonly type: 'failed'; readonly message: string }

/** What every role's start function returns. */
export interface RunningRole {
  /** Where load or traffic goes: `http://127.0.0.1:<port>` (or `redis://…` for the redis role). */
  readonly url: string
  readonly port: number
  stats(): Promise<Omit<ChildStats, 'rssBytes'>>
  close(): Promise<void>
}
