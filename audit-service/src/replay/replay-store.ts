import type { RedisClient } from '../create-redis-client.js'
import {
  RECORD_LAG_BREACH_SCRIPT,
  WRITE_REPLAY_GROUP,
  decodeWriteOutcome,
  lagBreachTtlMs,
  streamIdTime,
  writeLagBreachKey,
  writeAcksKey,
  writeAttentionKey,
  writeCountersKey,
  writeLeaseKey,
  writeOutcomesKey,
  writeStreamKey,
  type WriteOutcome,
} from '@shadowgate/shared'

/** A stream entry as read: its id and its raw fields (null when it was deleted while pending). */
export interface RawStreamEntry {
  readonly id: string
  readonly fields: unknown
}

// Renews the lease only while this replayer still holds it.
const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`

function entriesOf(raw: unknown): RawStreamEntry[] {
  if (!Array.isArray(raw)) return []
  return raw.flatMap((e: unknown) => (Array.isArray(e) && typeof e[0] === 'string' ? [{ id: e[0], fields: e[1] ?? null }] : []))
}

/** When an entry finishing late counts as a lag breach (the route's writes.maxLagForCutover and lagStableFor). */
export interface LagBound {
  readonly maxLagMs: number
  readonly stableForMs: number
}

/** The replayer's Redis operations on one route partition's stream and the route's hashes. */
export class ReplayStore {
  readonly #redis: RedisClient
  readonly #prefix: string
  readonly #route: string
  readonly #partition: number
  readonly #stream: string
  readonly #lag: LagBound | undefined

  /** `lag`: where finishing an entry late is recorded as a lag breach (for cut-overs). */
  constructor(redis: RedisClient, prefix: string, route: string, partition: number, lag?: LagBound) {
    this.#redis = redis
    this.#lag = lag
    this.#prefix = prefix
    this.#route = route
    this.#partition = partition
    this.#stream = writeStreamKey(prefix, route, partition)
  }

  get stream(): string {
    return this.#stream
  }

  /** Takes or keeps the partition's lease; true while this consumer holds it. */
  async lease(consumer: string, ttlMs: number, held: boolean): Promise<boolean> {
    const key = writeLeaseKey(this.#prefix, this.#route, this.#partition)
    if (held) return (await this.#redis.eval(RENEW_LEASE, 1, key, consumer, String(ttlMs))) === 1
    return (await this.#redis.set(key, consumer, 'PX', ttlMs, 'NX')) === 'OK'
  }

  async release(consumer: string): Promise<void> {
    const key = writeLeaseKey(this.#prefix, this.#route, this.#partition)
    await this.#redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, key, consumer)
  }

  async ensureGroup(): Promise<void> {
    try {
      await this.#redis.xgroup('CREATE', this.#stream, WRITE_REPLAY_GROUP, '0', 'MKSTREAM')
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err
    }
  }

  /** Entries left pending by any consumer (a replayer that died mid-stream), claimed in id order. */
  async claimPending(consumer: string, count: number): Promise<RawStreamEntry[]> {
    const out: RawStreamEntry[] = []
    let cursor = '0-0'
    for (let round = 0; round < 100 && out.length < count; round++) {
      const res = (await this.#redis.xautoclaim(this.#stream, WRITE_REPLAY_GROUP, consumer, 0, cursor, 'COUNT', count)) as unknown[]
      out.push(...entriesOf(res[1]))
      cursor = typeof res[0] === 'string' ? res[0] : '0-0'
      if (cursor === '0-0') break
    }
    return out
  }

  async readNew(consumer: string, count: number): Promise<RawStreamEntry[]> {
    const res = (await this.#redis.xreadgroup('GROUP', WRITE_REPLAY_GROUP, consumer, 'COUNT', count, 'STREAMS', this.#stream, '>')) as unknown
    if (!Array.isArray(res)) return []
    const first = res[0] as unknown
    return Array.isArray(first) ? entriesOf(first[1]) : []
  }

  async outcome(key: string): Promise<WriteOutcome | 'invalid' | undefined> {
    const text = await this.#redis.hget(writeOutcomesKey(this.#prefix, this.#route, this.#partition), key)
    if (text === null) return undefined
    return decodeWriteOutcome(text) ?? 'invalid'
  }

  async acked(id: string): Promise<boolean> {
    return (await this.#redis.hexists(writeAcksKey(this.#prefix, this.#route, this.#partition), id)) === 1
  }

  /** Lists an open item for the operator once; resolves true when it is new. */
  async flag(id: string, item: Record<string, unknown>): Promise<boolean> {
    return (await this.#redis.hsetnx(writeAttentionKey(this.#prefix, this.#route, this.#partition), id, JSON.stringify(item))) === 1
  }

  /** Closes an open item that resolved itself (an outcome that arrived after the entry was reported unknown). */
  async unflag(id: string): Promise<void> {
    await this.#redis.hdel(writeAttentionKey(this.#prefix, this.#route, this.#partition), id)
  }

  async count(counter: string, by = 1): Promise<void> {
    await this.#redis.hincrby(writeCountersKey(this.#prefix, this.#route, this.#partition), counter, by)
  }

  /** Done with an entry: acknowledged in the group and trimmed from the stream, its outcome dropped, counted. */
  async finish(id: string, key: string | undefined, counter: string | undefined): Promise<void> {
    const m = this.#redis.multi().xack(this.#stream, WRITE_REPLAY_GROUP, id).xdel(this.#stream, id)
    if (key !== undefined) m.hdel(writeOutcomesKey(this.#prefix, this.#route, this.#partition), key)
    if (counter !== undefined) m.hincrby(writeCountersKey(this.#prefix, this.#route, this.#partition), counter, 1)
    const at = streamIdTime(id)
    const lag = this.#lag
    // Judged in Redis against Redis time (the entry id's clock): this process's clock may be off.
    if (lag !== undefined && at !== undefined) {
      m.eval(RECORD_LAG_BREACH_SCRIPT, 1, writeLagBreachKey(this.#prefix, this.#route, this.#partition), String(at), String(lag.maxLagMs), String(lagBreachTtlMs(lag.stableForMs)))
    }
    await m.exec()
  }
}
