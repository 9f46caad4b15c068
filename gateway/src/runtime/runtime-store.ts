/** Where a store delivers what it reads: RuntimeSettings implements it. */
export interface RuntimeStoreSink {
  /** One route's stored value changed (null: the override was removed, the file config applies). */
  applyStored(route: string, raw: string | null, source: RuntimeChangeSource): void
  /**
   * The whole stored state, read at start, on reconnect and by the safety-net poll. Routes in `skip`
   * changed while the read was in flight; their newer value has already been applied.
   */
  applySnapshot(values: ReadonlyMap<string, string>, skip: ReadonlySet<string>, source: RuntimeChangeSource): void
}

/** What caused a runtime change an instance applied; logged with every change. */
export type RuntimeChangeSource = 'admin' | 'fleet' | 'cluster' | 'ttl' | 'start' | 'load'

/**
 * A shared place for runtime settings, so a change made on one instance reaches every instance.
 * Values are the encoded StoredMirrorSetting strings, compared byte for byte.
 */
export interface RuntimeStore {
  /** Short name for logs and /readyz: `redis` or `cluster`. */
  readonly kind: string
  /** Whether the store can take changes right now. */
  connected(): boolean
  /** Starts delivering values to `sink`. Resolves once the first read is done or has given up (bounded: never blocks start-up). */
  start(sink: RuntimeStoreSink): Promise<void>
  /** Current stored value of a route. Throws RuntimeStoreUnavailableError when the store cannot answer. */
  get(route: string): Promise<string | null>
  /**
   * Replaces the route's value with `next` (null removes it) only if it still equals `expected`, and
   * announces it to every instance (with `logEntry`, also appends it to the change log, bounded).
   * Resolves false when the value had changed meanwhile.
   * Throws RuntimeStoreUnavailableError when the store cannot answer.
   */
  compareAndSet(route: string, expected: string | null, next: string | null, logEntry?: string): Promise<boolean>
  /**
   * The change log of stage moves, newest first (at most `limit`). `logEntry` of compareAndSet is
   * appended to it in the same atomic step as the write. Stores without a log leave it out.
   */
  recentLog?(limit: number): Promise<string[]>
  /** The gate's last decision on a route, as the audit workers' gate stored it (untrusted text); stores without one leave it out. */
  gateDecision?(route: string): Promise<string | null>
  /** Idempotent. */
  close(): Promise<void>
}
