import type { RedisClient } from '../create-redis-client.js'

// One call per batch: intents appended in order while their stream holds fewer than their limit
// (a full log becomes a counted gap, never an unbounded Redis: streams are trimmed only after
// replay), outcomes written to their hash. KEYS come in pairs per partition: stream, outcomes.
// ARGV is a run of records: kind ('i' intent, 'o' outcomes), partition pair, limit, field count, fields.
// Answers one stream id (or 0 for a full log) per intent, in order.
const WRITE_BATCH = `
local out, lens, i = {}, {}, 1
while i <= #ARGV do
  local k, n = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 3])
  if ARGV[i] == 'i' then
    local stream = KEYS[2 * k - 1]
    local len = lens[k] or redis.call('XLEN', stream)
    if len >= tonumber(ARGV[i + 2]) then
      out[#out + 1] = 0
    else
      out[#out + 1] = redis.call('XADD', stream, '*', unpack(ARGV, i + 4, i + 3 + n))
      lens[k] = len + 1
    end
  else
    redis.call('HSET', KEYS[2 * k], unpack(ARGV, i + 4, i + 3 + n))
  end
  i = i + 4 + n
end
return out
`

/** How one intent's append ended: its stream id, `full`, or the error that failed its batch. */
export type BatchAnswer = { readonly id: string } | 'full' | { readonly error: Error }

interface Batch {
  readonly keys: string[]
  readonly pairOf: Map<string, number>
  readonly args: string[]
  readonly answers: ((a: BatchAnswer) => void)[]
  /** Outcome fields per partition pair, added to `args` when the batch is sent. */
  readonly outcomes: Map<number, string[]>
  records: number
}

/** At most this many records per call: bounds a script's run time and its argument list. */
const MAX_RECORDS = 256

type BatchClient = RedisClient & { sgWriteBatch(numKeys: number, ...keysAndArgs: string[]): Promise<unknown> }

/**
 * Gathers the intents and outcomes of one event-loop turn and writes them in one script call per
 * group of keys that may share a call: the whole log on one Redis, one partition (one hash tag) on a
 * Redis Cluster. Fewer commands than one per write: most of the log's cost on the gateway is
 * per command, not per byte.
 */
export class WriteLogBatches {
  readonly #client: BatchClient
  readonly #perPartition: boolean
  readonly #onOutcomesLost: (count: number, err: Error) => void
  readonly #batches = new Map<string, Batch>()
  #scheduled: NodeJS.Immediate | undefined
  #inFlight = new Set<Promise<void>>()

  constructor(client: RedisClient, perPartition: boolean, onOutcomesLost: (count: number, err: Error) => void) {
    client.defineCommand('sgWriteBatch', { lua: WRITE_BATCH })
    this.#client = client as BatchClient
    this.#perPartition = perPartition
    this.#onOutcomesLost = onOutcomesLost
  }

  intent(streamKey: string, outcomesKey: string, group: string, maxPending: number, fields: readonly string[], answer: (a: BatchAnswer) => void): void {
    const b = this.#batch(group)
    const k = this.#pair(b, streamKey, outcomesKey)
    b.args.push('i', String(k), String(maxPending), String(fields.length), ...fields)
    b.answers.push(answer)
    this.#added(group, b)
  }

  outcome(streamKey: string, outcomesKey: string, group: string, field: string, value: string): void {
    const b = this.#batch(group)
    const k = this.#pair(b, streamKey, outcomesKey)
    const fields = b.outcomes.get(k)
    if (fields) fields.push(field, value)
    else b.outcomes.set(k, [field, value])
    this.#added(group, b)
  }

  /** Sends what waits now; resolves when every batch sent so far has its answer. */
  async flush(): Promise<void> {
    if (this.#scheduled) clearImmediate(this.#scheduled)
    this.#sendAll()
    await Promise.all([...this.#inFlight])
  }

  #batch(group: string): Batch {
    const key = this.#perPartition ? group : ''
    let b = this.#batches.get(key)
    if (b === undefined) {
      b = { keys: [], pairOf: new Map(), args: [], answers: [], outcomes: new Map(), records: 0 }
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

  #added(group: string, b: Batch): void {
    b.records++
    if (b.records >= MAX_RECORDS) {
      this.#batches.delete(this.#perPartition ? group : '')
      this.#send(b)
      return
    }
    this.#scheduled ??= setImmediate(() => this.#sendAll())
  }

  #sendAll(): void {
    this.#scheduled = undefined
    const batches = [...this.#batches.values()]
    this.#batches.clear()
    for (const b of batches) this.#send(b)
  }

  #send(b: Batch): void {
    let outcomes = 0
    for (const [k, fields] of b.outcomes) {
      b.args.push('o', String(k), '0', String(fields.length), ...fields)
      outcomes += fields.length / 2
    }
    const sent = this.#client.sgWriteBatch(b.keys.length, ...b.keys, ...b.args).then(
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
