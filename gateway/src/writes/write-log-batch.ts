import { Packr } from 'msgpackr'
import type { RedisClient } from '../create-redis-client.js'

// One call per batch: intents appended in order while their stream holds fewer than their limit
// (a full log becomes a counted gap, never an unbounded Redis: streams are trimmed only after
// replay), outcomes written to their hash. KEYS come in pairs per partition: stream, outcomes.
// ARGV[1] is the batch as one MessagePack array, a run of records: kind ('i' intent, 'o' outcomes),
// partition pair, limit, fields. One argument instead of one per field: the client's cost per call
// grows with its argument count, Redis unpacks it in C.
// Answers one stream id (or 0 for a full log) per intent, in order.
const WRITE_BATCH = `
local recs = cmsgpack.unpack(ARGV[1])
local out, lens, i = {}, {}, 1
while i <= #recs do
  local k, fields = recs[i + 1], recs[i + 3]
  if recs[i] == 'i' then
    local stream = KEYS[2 * k - 1]
    local len = lens[k] or redis.call('XLEN', stream)
    if len >= recs[i + 2] then
      out[#out + 1] = 0
    else
      out[#out + 1] = redis.call('XADD', stream, '*', unpack(fields))
      lens[k] = len + 1
    end
  else
    redis.call('HSET', KEYS[2 * k], unpack(fields))
  end
  i = i + 4
end
return out
`

/** How one intent's append ended: its stream id, `full`, or the error that failed its batch. */
export type BatchAnswer = { readonly id: string } | 'full' | { readonly error: Error }

interface Batch {
  readonly keys: string[]
  readonly pairOf: Map<string, number>
  /** Records, four items each: kind, partition pair, limit, fields. */
  readonly records: (string | number | readonly string[])[]
  readonly answers: ((a: BatchAnswer) => void)[]
  /** Outcome fields per partition pair, added to `records` when the batch is sent. */
  readonly outcomes: Map<number, string[]>
  count: number
}

/** At most this many records per call: bounds a script's run time and its argument list. */
const MAX_RECORDS = 256

/** Short beside a write's `unknownAfter`: the replayer waits this much longer for an outcome at most. */
const DEFAULT_OUTCOME_DELAY_MS = 10

type BatchClient = RedisClient & {
  sgWriteBatch(numKeys: number, ...keysAndArgs: (string | Buffer)[]): Promise<unknown>
  sgWritePartition(stream: string, outcomes: string, batch: Buffer): Promise<unknown>
}

// Plain arrays only: no record extension, which Redis's cmsgpack would not read.
const packr = new Packr({ useRecords: false })

/**
 * Gathers the intents of one event-loop turn, with the outcomes that came in since the last call
 * (or at most `outcomeDelayMs` ago), and writes them in one script call per
 * group of keys that may share a call: the whole log on one Redis, one partition (one hash tag) on a
 * Redis Cluster. Fewer commands than one per write: most of the log's cost on the gateway is
 * per command, not per byte.
 */
export class WriteLogBatches {
  readonly #client: BatchClient
  readonly #perPartition: boolean
  readonly #onOutcomesLost: (count: number, err: Error) => void
  readonly #batches = new Map<string, Batch>()
  readonly #outcomeDelayMs: number
  #scheduled: NodeJS.Immediate | undefined
  #delayed: NodeJS.Timeout | undefined
  #inFlight = new Set<Promise<void>>()

  /**
   * @param outcomeDelayMs how long an outcome may wait for the next intents to travel with: under
   *   load almost every outcome rides along with an append that goes anyway, so it costs no call of its own.
   */
  constructor(client: RedisClient, perPartition: boolean, onOutcomesLost: (count: number, err: Error) => void, outcomeDelayMs = DEFAULT_OUTCOME_DELAY_MS) {
    client.defineCommand('sgWriteBatch', { lua: WRITE_BATCH })
    // The same script with its two keys first: a cluster client routes (and auto-pipelines) a call
    // by its first argument, which must then be the partition's key, not a key count.
    client.defineCommand('sgWritePartition', { lua: WRITE_BATCH, numberOfKeys: 2 })
    this.#client = client as BatchClient
    this.#perPartition = perPartition
    this.#onOutcomesLost = onOutcomesLost
    this.#outcomeDelayMs = outcomeDelayMs
  }

  intent(streamKey: string, outcomesKey: string, group: string, maxPending: number, fields: readonly string[], answer: (a: BatchAnswer) => void): void {
    const b = this.#batch(group)
    const k = this.#pair(b, streamKey, outcomesKey)
    b.records.push('i', k, maxPending, fields)
    b.answers.push(answer)
    if (this.#added(group, b)) this.#scheduled ??= setImmediate(() => this.#sendAll())
  }

  outcome(streamKey: string, outcomesKey: string, group: string, field: string, value: string): void {
    const b = this.#batch(group)
    const k = this.#pair(b, streamKey, outcomesKey)
    const fields = b.outcomes.get(k)
    if (fields) fields.push(field, value)
    else b.outcomes.set(k, [field, value])
    if (this.#added(group, b) && this.#scheduled === undefined) this.#delayed ??= setTimeout(() => this.#sendAll(), this.#outcomeDelayMs)
  }

  /** Sends what waits now; resolves when every batch sent so far has its answer. */
  async flush(): Promise<void> {
    this.#sendAll()
    await Promise.all([...this.#inFlight])
  }

  #batch(group: string): Batch {
    const key = this.#perPartition ? group : ''
    let b = this.#batches.get(key)
    if (b === undefined) {
      b = { keys: [], pairOf: new Map(), records: [], answers: [], outcomes: new Map(), count: 0 }
      this.#batches.set(key, b)
    }
    return b
  }

  #pair(b: Batch, streamKey: string, outcomesKey: string): number {
    let k = b.pairOf.get(streamKey)
    if (k === undefined) {
      b.keys.push(streamKey, outcomesKey)
      k = b.keys.length / 2
      b.pairOf.set(streamKey, k)
    }
    return k
  }

  /** Counts a record in; false when that filled the batch and sent it. */
  #added(group: string, b: Batch): boolean {
    b.count++
    if (b.count < MAX_RECORDS) return true
    this.#batches.delete(this.#perPartition ? group : '')
    this.#send(b)
    return false
  }

  #sendAll(): void {
    clearImmediate(this.#scheduled)
    clearTimeout(this.#delayed)
    this.#scheduled = undefined
    this.#delayed = undefined
    const batches = [...this.#batches.values()]
    this.#batches.clear()
    for (const b of batches) this.#send(b)
  }

  #send(b: Batch): void {
    let outcomes = 0
    for (const [k, fields] of b.outcomes) {
      b.records.push('o', k, 0, fields)
      outcomes += fields.length / 2
    }
    const packed = packr.pack(b.records)
    const [stream, outcomesKey] = b.keys
    const call = this.#perPartition && stream !== undefined && outcomesKey !== undefined ? this.#client.sgWritePartition(stream, outcomesKey, packed) : this.#client.sgWriteBatch(b.keys.length, ...b.keys, packed)
    const sent = call.then(
      (reply) => {
        const ids = Array.isArray(reply) ? reply : []
        b.answers.forEach((answer, i) => {
          const id: unknown = ids[i]
          answer(typeof id === 'string' ? { id } : id === 0 ? 'full' : { error: new Error('Redis gave no stream id for an intent') })
        })
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err))
        for (const answer of b.answers) answer({ error })
        if (outcomes > 0) this.#onOutcomesLost(outcomes, error)
      },
    )
    this.#inFlight.add(sent)
    void sent.finally(() => this.#inFlight.delete(sent))
  }
}
