import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'

/** One request of the run: when it left (epoch ms), how long it took, how it ended. */
export interface TimedRequest {
  readonly sentAt: number
  readonly ms: number
  readonly ok: boolean
}

/**
 * Open-loop load over several gateways (round robin): request i leaves at start + i / rps whatever
 * happened to earlier ones, until stop(). Every request has a deadline, so stop() is bounded.
 */
export class TimedLoad {
  readonly #pools: Pool[]
  readonly #rps: number
  readonly #path: (i: number) => string
  readonly #timeoutMs: number
  readonly #results: TimedRequest[] = []
  readonly #errors: string[] = []
  #stopped = false
  #run: Promise<void> | undefined

  constructor(opts: { urls: readonly string[]; rps: number; path: (i: number) => string; timeoutMs?: number; connections?: number }) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000
    this.#pools = opts.urls.map((u) => new Pool(u, { connections: opts.connections ?? 64, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs }))
    this.#rps = opts.rps
    this.#path = opts.path
  }

  start(): void {
    this.#run ??= this.#loop()
  }

  /** Stops sending, waits for the requests in flight, closes the pools. */
  async stop(): Promise<{ results: TimedRequest[]; errors: string[] }> {
    this.#stopped = true
    await this.#run
    await Promise.all(this.#pools.map((p) => p.destroy().catch(() => undefined)))
    return { results: this.#results, errors: this.#errors }
  }

  async #one(i: number): Promise<void> {
    const pool = this.#pools[i % this.#pools.length]
    if (pool === undefined) return
    const sentAt = Date.now()
    const t0 = performance.now()
    let ok = false
    try {
      const res = await pool.request({ method: 'GET', path: this.#path(i), signal: AbortSignal.timeout(this.#timeoutMs + 1_000) })
      await res.body.dump()
      ok = res.statusCode === 200
      if (!ok && this.#errors.length < 5) this.#errors.push(`status ${res.statusCode}`)
    } catch (err) {
      if (this.#errors.length < 5) this.#errors.push((err as Error).message)
    }
    this.#results.push({ sentAt, ms: performance.now() - t0, ok })
  }

  async #loop(): Promise<void> {
    const inFlight = new Set<Promise<void>>()
    const interval = 1_000 / this.#rps
    const start = performance.now()
    for (let i = 0; !this.#stopped; i++) {
      const wait = start + i * interval - performance.now()
      if (wait > 0) await sleep(wait)
      const p = this.#one(i).finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    await Promise.all(inFlight)
  }
}
