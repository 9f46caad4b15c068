import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { pino, type Logger } from 'pino'
import { DeadlineQueue, type Expiring } from '../deadline-queue.js'
import { WriteLogBatches } from './write-log-batch.js'
import {
  reconnectDelay,
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

// A gap is an entry in its partition (where the missing writes would have been) and an open item
// for the operator, counted in the route's counters, in one step.
const APPEND_GAP = `
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('HSET', KEYS[2], id, ARGV[1])
redis.call('HINCRBY', KEYS[3], 'gaps', tonumber(ARGV[2]))
return id
`

/** A partition's keys and batch group, built once: every logged write needs them. */
interface PartitionKeys {
  readonly stream: string
  readonly outcomes: string
  readonly group: string
}

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
  /** One queue per distinct appendTimeout: within one, deadlines come due in arrival order. */
  readonly #deadlines = new Map<number, DeadlineQueue>()
  readonly #batches: WriteLogBatches
  readonly #keys = new Map<string, PartitionKeys[]>()
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
      retryStrategy: (n: number) => reconnectDelay(n, 1_000),
      // A cluster's per-partition batches of one turn leave in one write per node; one Redis gets one
      // call per turn anyway, which a pipeline around it would only make dearer.
      enableAutoPipelining: opts.redis.mode === 'cluster',
    })
    this.#batches = new WriteLogBatches(this.#client, opts.redis.mode === 'cluster', (count, err) => {
      this.#logger.warn({ outcomes: count, err: err.message }, 'could not record write outcomes; their entries will be reported unknown')
    })
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
   * Appends an intent within `timeoutMs` (one timer per distinct timeout, never early); resolves how
   * it went, never rejects. The intents of one event-loop turn go to Redis together.
   */
  appendIntent(route: string, partition: number, intent: WriteIntent, maxPending: number, timeoutMs: number): Promise<AppendResult> {
    if (this.#client.status !== 'ready') return Promise.resolve('unavailable')
    return new Promise<AppendResult>((resolve) => {
      const waiter: Expiring & { settled: boolean } = {
        settled: false,
        expire() {
          this.settled = true
          resolve('timeout')
        },
      }
      this.#deadlinesFor(timeoutMs).add(waiter)
      const keys = this.#keysOf(route, partition)
      this.#batches.intent(keys.stream, keys.outcomes, keys.group, maxPending, encodeWriteEntry(intent), (answer) => {
        if (waiter.settled) return
        waiter.settled = true
        if (answer === 'full') return resolve('full')
        if ('error' in answer) return resolve('unavailable')
        resolve('logged')
        if (this.#gaps.size > 0) void this.flushGaps()
      })
    })
  }

  /**
   * Records the serving side's answer to a logged intent; fire and forget. The outcomes of one
   * event-loop turn travel with that turn's intents.
   */
  recordOutcome(route: string, partition: number, key: string, outcome: WriteOutcome): void {
    if (this.#client.status !== 'ready') return
    const keys = this.#keysOf(route, partition)
    this.#batches.outcome(keys.stream, keys.outcomes, keys.group, key, encodeWriteOutcome(outcome))
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

  #keysOf(route: string, partition: number): PartitionKeys {
    let list = this.#keys.get(route)
    if (list === undefined) {
      list = []
      this.#keys.set(route, list)
    }
    let keys = list[partition]
    if (keys === undefined) {
      const { prefix } = this.#opts
      keys = { stream: writeStreamKey(prefix, route, partition), outcomes: writeOutcomesKey(prefix, route, partition), group: `${route}\u0000${partition}` }
      list[partition] = keys
    }
    return keys
  }

  #deadlinesFor(timeoutMs: number): DeadlineQueue {
    let q = this.#deadlines.get(timeoutMs)
    if (q === undefined) {
      q = new DeadlineQueue(timeoutMs)
      this.#deadlines.set(timeoutMs, q)
    }
    return q
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#retry)
    for (const q of this.#deadlines.values()) q.close()
    await this.#batches.flush()
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
