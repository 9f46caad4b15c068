import type { RouteConfig, WriteIntent, WriteVerifyRead } from '@shadowgate/shared'
import type { Logger } from 'pino'
import type { JudgeLimits } from '../verdict/judge-limits.js'
import { compareReadBack } from './compare-read-back.js'
import type { ReadAnswer, ReplayTarget } from './replay-target.js'
import type { ReplayTally } from './replay-tally.js'

export interface ReadBackVerifierOptions {
  readonly target: ReplayTarget
  readonly tally: ReplayTally
  readonly limits: JudgeLimits
  readonly logger: Logger
  /** Adds to the route partition's counters in Redis (best effort). */
  readonly count: (route: string, partition: number, counter: string) => Promise<void>
}

/** Read-backs waiting for their delay or a slot, per allowed read in flight; past it one is skipped and counted. */
const QUEUE_FACTOR = 64
/** Request headers a read-back does not carry over from the write. */
const NOT_CARRIED = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'host', 'expect'])

interface RouteSlots {
  /** The route's verify.concurrency. */
  readonly limit: number
  active: number
  waiting: number
  readonly queue: (() => void)[]
}

/** The write's path without its query: what `{path}` stands for. */
export function readBackPath(template: string, target: string): string {
  const q = target.indexOf('?')
  const path = q < 0 ? target : target.slice(0, q)
  return template.split('{path}').join(path)
}

/**
 * Read-after-write audit: some time after a replayed write succeeded (`verify.delay`, for lag behind
 * the write to settle), reads the resource back from both sides with the route's verify request and
 * compares the JSON bodies with the diff engine. Runs beside the replay: it never holds a partition,
 * at most `verify.concurrency` reads per route are in flight, and a read-back past the bounded queue
 * is skipped and counted (`read_skipped`), as is a read that gets no answer (`read_failed`, never a match).
 */
export class ReadBackVerifier {
  readonly #o: ReadBackVerifierOptions
  readonly #slots = new Map<string, RouteSlots>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #running = new Set<Promise<void>>()
  #closed = false

  constructor(opts: ReadBackVerifierOptions) {
    this.#o = opts
  }

  /** Schedules the read-back of a replayed write; returns at once. */
  schedule(route: RouteConfig, read: WriteVerifyRead, timeoutMs: number, entry: WriteIntent, partition: number): void {
    if (this.#closed || route.shadow === undefined) return
    const slots = this.#slotsOf(route.name, read.concurrency)
    if (slots.active + slots.waiting >= read.concurrency * QUEUE_FACTOR) {
      this.#counted(route.name, partition, 'read_skipped')
      return
    }
    slots.waiting++
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      const run = this.#whenFree(slots)
        .then(() => (this.#closed ? undefined : this.#verify(route, read, timeoutMs, entry, partition)))
        .catch((err: unknown) => this.#o.logger.warn({ route: route.name, err: (err as Error).message }, 'read-back failed'))
        .finally(() => {
          this.#running.delete(run)
          slots.active--
          slots.queue.shift()?.()
        })
      this.#running.add(run)
    }, read.delayMs)
    this.#timers.add(timer)
  }

  /** Drops what waits for its delay, lets reads in flight finish (each bounded by its timeout). */
  async close(): Promise<void> {
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    for (const slots of this.#slots.values()) for (const wake of slots.queue.splice(0)) wake()
    await Promise.allSettled([...this.#running])
  }

  #slotsOf(route: string, limit: number): RouteSlots {
    let s = this.#slots.get(route)
    if (s === undefined) this.#slots.set(route, (s = { limit, active: 0, waiting: 0, queue: [] }))
    return s
  }

  /** Moves one read-back from waiting to active, once fewer than `concurrency` are. */
  #whenFree(slots: RouteSlots): Promise<void> {
    return new Promise((resolve) => {
      const go = (): void => {
        slots.waiting--
        slots.active++
        resolve()
      }
      if (slots.queue.length === 0 && slots.active < slots.limit) go()
      else slots.queue.push(go)
    })
  }

  async #verify(route: RouteConfig, read: WriteVerifyRead, timeoutMs: number, entry: WriteIntent, partition: number): Promise<void> {
    const shadow = route.shadow
    if (shadow === undefined) return
    const path = readBackPath(read.path, entry.target)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(entry.headers)) if (!NOT_CARRIED.has(k)) headers[k] = v
    headers['accept'] ??= 'application/json'
    const max = this.#o.limits.maxDecodedBytes
    const [old, next] = await Promise.all([this.#o.target.read(`${route.primary}${path}`, headers, timeoutMs, max), this.#o.target.read(`${shadow}${path}`, headers, timeoutMs, max)])
    const failed = (a: ReadAnswer): boolean => !('status' in a) || a.status >= 500
    if (failed(old) || failed(next)) {
      const side = failed(old) && failed(next) ? 'both' : failed(old) ? 'old' : 'new'
      const why = (a: ReadAnswer): string => ('status' in a ? `status ${a.status}` : `${a.error}: ${a.message}`)
      this.#o.tally.readBack(route.name, entry.method, { outcome: 'read_failed', side, error: side === 'new' ? why(next) : why(old) })
      await this.#o.count(route.name, partition, 'read_failed')
      return
    }
    if (!('status' in old) || !('status' in next)) return
    let result
    try {
      result = compareReadBack(old, next, route.audit, this.#o.limits)
    } catch (err) {
      // Past the diff budget: not judged, so not a match either.
      this.#o.tally.readBack(route.name, entry.method, { outcome: 'read_failed', side: 'both', error: `not compared: ${(err as Error).message}` })
      await this.#o.count(route.name, partition, 'read_failed')
      return
    }
    this.#o.tally.readBack(route.name, entry.method, { outcome: result.match ? 'match' : 'mismatch', oldStatus: old.status, newStatus: next.status, differences: result.differences, paths: result.paths })
    await this.#o.count(route.name, partition, result.match ? 'read_matched' : 'read_mismatched')
    if (!result.match) this.#o.logger.info({ route: route.name, target: path, paths: result.paths }, 'read-back after a replayed write differs between the sides')
  }

  #counted(route: string, partition: number, counter: 'read_skipped'): void {
    this.#o.tally.add(route, counter)
    this.#o.count(route, partition, counter).catch(() => undefined)
  }
}
