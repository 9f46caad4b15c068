/**
 * Gate figures counted in memory between flushes: key (a `gateFiguresKey`) → field → count. Gateways
 * and audit workers count here and flush once a second (HINCRBY per field plus a PEXPIRE per key in
 * one pipeline), so the request path and the judging path never wait on Redis.
 */
export class GateFiguresBatch {
  #counts = new Map<string, Map<string, number>>()
  /** Keys kept at most; past it new keys are dropped and counted, so a flood of windows cannot grow memory. */
  readonly #maxKeys: number
  #dropped = 0

  constructor(maxKeys = 10_000) {
    this.#maxKeys = maxKeys
  }

  add(key: string, field: string, n = 1): void {
    let fields = this.#counts.get(key)
    if (fields === undefined) {
      if (this.#counts.size >= this.#maxKeys) {
        this.#dropped += n
        return
      }
      fields = new Map()
      this.#counts.set(key, fields)
    }
    fields.set(field, (fields.get(field) ?? 0) + n)
  }

  /** Everything counted since the last drain; the batch starts empty again. */
  drain(): Map<string, Map<string, number>> {
    const out = this.#counts
    this.#counts = new Map()
    return out
  }

  /** Counts dropped over the key bound since the start. */
  get dropped(): number {
    return this.#dropped
  }
}

/** The part of an ioredis pipeline writeGateFigures uses (shared does no I/O itself). */
export interface GateFiguresPipeline {
  hincrby(key: string, field: string, n: number): unknown
  pexpire(key: string, ms: number): unknown
  exec(): Promise<[Error | null, unknown][] | null>
}

/** Adds drained counts to their Redis hashes in one pipeline, renewing each key's ttl; rejects with the first failed command's error. */
export async function writeGateFigures(counts: ReadonlyMap<string, ReadonlyMap<string, number>>, pipe: GateFiguresPipeline, ttlMs: number): Promise<void> {
  if (counts.size === 0) return
  for (const [key, fields] of counts) {
    for (const [field, n] of fields) pipe.hincrby(key, field, n)
    pipe.pexpire(key, ttlMs)
  }
  const failed = ((await pipe.exec()) ?? []).find(([err]) => err !== null)
  if (failed) throw failed[0] as Error
}

/** Time between flushes of gate figures to Redis. */
export const GATE_FIGURES_FLUSH_MS = 1_000

/**
 * Gate figures counted in memory and flushed once a second through `pipeline()` (the caller's Redis
 * connection). A flush that fails loses its counts and calls `onError` once until a flush succeeds:
 * a window can read thinner, never cleaner. close() stops the timer and flushes once more.
 */
export class GateFiguresFlusher {
  readonly #batch = new GateFiguresBatch()
  readonly #pipeline: () => GateFiguresPipeline
  readonly #ttlMs: number
  readonly #onError: (err: Error, keys: number) => void
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #failing = false
  #closed = false

  constructor(pipeline: () => GateFiguresPipeline, ttlMs: number, onError: (err: Error, keys: number) => void) {
    this.#pipeline = pipeline
    this.#ttlMs = ttlMs
    this.#onError = onError
  }

  add(key: string, field: string): void {
    this.#batch.add(key, field)
  }

  start(): void {
    if (this.#timer || this.#closed) return
    this.#timer = setInterval(() => void this.flush(), GATE_FIGURES_FLUSH_MS).unref()
  }

  /** Writes what was counted; never throws. */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      const counts = this.#batch.drain()
      try {
        await writeGateFigures(counts, this.#pipeline(), this.#ttlMs)
        this.#failing = false
      } catch (err) {
        if (!this.#failing) this.#onError(err as Error, counts.size)
        this.#failing = true
      }
    })().finally(() => {
      this.#flushing = undefined
    })
    return this.#flushing
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#flushing
    await this.flush()
  }
}
