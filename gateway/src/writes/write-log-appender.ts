import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { pino, type Logger } from 'pino'
import { AppendDeadlines } from './append-deadlines.js'
import {
  encodeWriteEntry,
  encodeWriteOutcome,
  writeAttentionKey,
  writeCountersKey,
  writeOutcomesKey,
  writeStreamKey,
  type WriteGapReason,
  type WriteIntent,
  type WriteOutcome,
  type RedisConfig,
} from '@shadowgate/shared'

export interface WriteLogAppenderOptions {
  readonly redis: RedisConfig
  readonly prefix: string
  readonly instance: string
  readonly logger?: Logger
  /** How often unrecorded gaps are retried while Redis is away. */
  readonly gapRetryMs?: number
}

/** How an intent append ended. `timeout`: Redis may still take it; the write is counted in a gap all the same. */
export type AppendResult = 'logged' | 'full' | 'unavailable' | 'timeout'

// Appends only while the stream holds fewer than ARGV[1] entries: a full log becomes a counted gap,
// never an unbounded Redis (streams are trimmed only after replay).
const APPEND_IF_ROOM = `
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
`
// A gap is an entry in its partition (where the missing writes would have been) and an open item
// for the operator, counted in the route's counters, in one step.
const APPEND_GAP = `
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('HSET', KEYS[2], id, ARGV[1])
redis.call('HINCRBY', KEYS[3], 'gaps', tonumber(ARGV[2]))
return id
`

interface PendingGap {
  readonly route: string
  readonly partition: number
  readonly reason: WriteGapReason
  count: number
  readonly from: number
  to: number
}

/** Writes the gateway side of the log: intents, outcomes and gaps. Never throws into the request path. */
export class WriteLogAppender {
  readonly #client: RedisClient
  readonly #opts: WriteLogAppenderOptions
  readonly #logger: Logger
  readonly #gaps = new Map<string, PendingGap>()
  readonly #deadlines = new AppendDeadlines()
  /** Outcomes waiting for the end of this event-loop turn, per outcomes hash: field, value, field, value... */
  readonly #outcomes = new Map<string, string[]>()
  #outcomesScheduled: NodeJS.Immediate | undefined
  #outcomesWritten: Promise<void> = Promise.resolve()
  #retry: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #closed = false

  constructor(opts: WriteLogAppenderOptions) {
    this.#opts = opts
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    // No offline queue: while Redis is away an append fails at once instead of waiting for appendTimeout.
    this.#client = createRedisClient(opts.redis, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (n: number) => Math.min(100 * 2 ** Math.min(n, 5), 1_000),
      // The intents and outcomes of concurrent writes leave in one write per turn (per node in a
      // cluster) instead of a syscall each: most of the log's cost on the gateway.
      enableAutoPipelining: true,
    })
    // EVALSHA instead of sending the script with every write.
    this.#client.defineCommand('sgAppendIfRoom', { numberOfKeys: 1, lua: APPEND_IF_ROOM })
    this.#client.on('error', () => {
      // Reconnects by itself; writes meanwhile are counted in gaps.
    })
    this.#client.on('ready', () => {
      void this.flushGaps()
    })
  }

  /** Resolves once connected, or when Redis refused or `waitMs` passed: start-up never waits longer. */
  async connected(waitMs: number): Promise<void> {
    if (this.#client.status === 'ready') return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#client.off('ready', done)
        this.#client.off('error', done)
        resolve()
      }
      const timer = setTimeout(done, waitMs)
      this.#client.once('ready', done)
      this.#client.once('error', done)
    })
  }

  /**
   * Appends an intent within `timeoutMs` (checked by one shared coarse timer, so up to a tenth of it
   * late); resolves how it went, never rejects.
   */
  appendIntent(route: string, partition: number, intent: WriteIntent, maxPending: number, timeoutMs: number): Promise<AppendResult> {
    if (this.#client.status !== 'ready') return Promise.resolve('unavailable')
    const client = this.#client as RedisClient & { sgAppendIfRoom(key: string, maxPending: string, ...fields: string[]): Promise<unknown> }
    const call = client.sgAppendIfRoom(writeStreamKey(this.#opts.prefix, route, partition), String(maxPending), ...encodeWriteEntry(intent))
    return new Promise<AppendResult>((resolve) => {
      const waiter = this.#deadlines.wait(timeoutMs, () => resolve('timeout'))
      call.then(
        (id) => {
          if (waiter.settled) return
          waiter.settled = true
          resolve(id === null ? 'full' : 'logged')
          if (id !== null && this.#gaps.size > 0) void this.flushGaps()
        },
        () => {
          if (waiter.settled) return
          waiter.settled = true
          resolve('unavailable')
        },
      )
    })
  }

  /**
   * Records the serving side's answer to a logged intent; fire and forget. The outcomes of one
   * event-loop turn are written together, one HSET per partition hash.
   */
  recordOutcome(route: string, partition: number, key: string, outcome: WriteOutcome): void {
    if (this.#client.status !== 'ready') return
    const hash = writeOutcomesKey(this.#opts.prefix, route, partition)
    const fields = this.#outcomes.get(hash)
    if (fields) fields.push(key, encodeWriteOutcome(outcome))
    else this.#outcomes.set(hash, [key, encodeWriteOutcome(outcome)])
    this.#outcomesScheduled ??= setImmediate(() => this.#writeOutcomes())
  }

  #writeOutcomes(): void {
    this.#outcomesScheduled = undefined
    const writes: Promise<void>[] = []
    for (const [hash, fields] of this.#outcomes) {
      writes.push(
        this.#client.hset(hash, ...fields).then(
          () => undefined,
          (err: unknown) => {
            this.#logger.warn({ hash, outcomes: fields.length / 2, err: (err as Error).message }, 'could not record write outcomes; their entries will be reported unknown')
          },
        ),
      )
    }
    this.#outcomes.clear()
    this.#outcomesWritten = Promise.all([this.#outcomesWritten, ...writes]).then(() => undefined)
  }

  /** Counts a write that is served but not logged; recorded as a gap entry as soon as Redis takes it. */
  addGap(route: string, partition: number, reason: WriteGapReason): void {
    const id = `${route}\u0000${partition}\u0000${reason}`
    const now = Date.now()
    const g = this.#gaps.get(id)
    if (g) {
      g.count++
      g.to = now
    } else this.#gaps.set(id, { route, partition, reason, count: 1, from: now, to: now })
    this.#retry ??= setInterval(() => void this.flushGaps(), this.#opts.gapRetryMs ?? 1_000)
    this.#retry.unref()
  }

  /** Writes unrecorded gaps to Redis; those Redis does not take stay for the next try. */
  flushGaps(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined
    })
    return this.#flushing
  }

  /** Gaps counted but not yet recorded in Redis. */
  pendingGaps(): number {
    let n = 0
    for (const g of this.#gaps.values()) n += g.count
    return n
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#retry)
    this.#deadlines.stop()
    if (this.#outcomesScheduled) {
      clearImmediate(this.#outcomesScheduled)
      this.#writeOutcomes()
    }
    await this.#outcomesWritten
    if (this.#gaps.size > 0 && this.#client.status === 'ready') await this.flushGaps()
    if (this.#gaps.size > 0) this.#logger.error({ unrecorded: this.pendingGaps() }, 'closing with write-log gaps Redis never took; they are in this log line only')
    this.#client.disconnect()
  }

  async #flush(): Promise<void> {
    const { prefix, instance } = this.#opts
    for (const [id, g] of [...this.#gaps]) {
      if (this.#client.status !== 'ready') return
      // Taken out first: writes counted while this one is on its way start a new gap.
      this.#gaps.delete(id)
      const attention = JSON.stringify({ kind: 'gap', reason: g.reason, count: g.count, from: g.from, to: g.to, partition: g.partition, instance })
      const fields = encodeWriteEntry({ type: 'gap', reason: g.reason, count: g.count, from: g.from, to: g.to, instance })
      try {
        await this.#client.eval(APPEND_GAP, 3, writeStreamKey(prefix, g.route, g.partition), writeAttentionKey(prefix, g.route, g.partition), writeCountersKey(prefix, g.route, g.partition), attention, String(g.count), ...fields)
        this.#logger.warn({ route: g.route, partition: g.partition, reason: g.reason, count: g.count }, 'writes served without being logged; recorded a gap')
      } catch {
        const later = this.#gaps.get(id)
        this.#gaps.set(id, later ? { ...g, count: g.count + later.count, to: later.to } : g)
        return
      }
    }
    if (this.#gaps.size === 0 && this.#retry) {
      clearInterval(this.#retry)
      this.#retry = undefined
    }
  }
}
