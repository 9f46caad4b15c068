import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { writeAcksKey, writeAttentionKey, writeCountersKey, writeStreamKey, type ShadowgateConfig, type WriteStage } from '@shadowgate/shared'
import { InvalidSettingError, RuntimeStoreUnavailableError, UnknownRouteError, WriteEntryNotFoundError } from '../errors.js'
import type { WriteStageStore } from './write-stage-store.js'

/** One open item of a route's log: a gap, an unknown, a parked or a malformed entry. */
export interface WriteAttentionItem {
  readonly id: string
  readonly kind: string
  readonly [field: string]: unknown
}

export interface WritePartitionStatus {
  readonly partition: number
  readonly pending: number
  /** Epoch ms of the oldest unreplayed entry; undefined when the partition is drained. */
  readonly oldestAt: number | undefined
}

export interface WriteRouteStatus {
  readonly route: string
  readonly stage: WriteStage | undefined
  readonly lagEntries: number
  readonly lagSeconds: number
  readonly partitions: readonly WritePartitionStatus[]
  readonly counters: Readonly<Record<string, number>>
  /** Open items by kind: gaps count the writes they stand for. */
  readonly open: Readonly<Record<string, number>>
  readonly items: readonly WriteAttentionItem[]
}

const MAX_ITEMS = 200

/** An open item as stored (untrusted: anything unreadable is kept as kind `invalid` with its raw text). */
export function parseWriteAttentionItem(id: string, text: string): WriteAttentionItem {
  try {
    const v = JSON.parse(text) as unknown
    if (v && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string') return { ...(v as Record<string, unknown>), id, kind: (v as { kind: string }).kind }
  } catch {
    // Shown as what it is below.
  }
  return { id, kind: 'invalid', raw: text.slice(0, 200) }
}

/** The operator's view of the write log in Redis: status, acknowledgements and parked entries. */
export class WriteLogStatus {
  readonly #config: ShadowgateConfig
  readonly #stages: WriteStageStore
  readonly #client: RedisClient | undefined
  readonly #prefix: string

  constructor(config: ShadowgateConfig, stages: WriteStageStore) {
    this.#config = config
    this.#stages = stages
    this.#prefix = config.redis?.prefix ?? ''
    this.#client = config.redis ? createRedisClient(config.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000, lazyConnect: false }) : undefined
    this.#client?.on('error', () => undefined)
  }

  routes(): string[] {
    return this.#stages.routes()
  }

  async status(route: string, now = Date.now()): Promise<WriteRouteStatus> {
    const cfg = this.#routeConfig(route)
    const client = this.#ready()
    try {
      // One transaction per partition, so each is read at one instant: a gap lands in its stream and its
      // open items in one script, a replayed entry leaves the stream and is counted in one transaction,
      // and a read between two of those keys would see half of either. A partition's keys share a hash
      // tag, so this works on a Redis Cluster too, where the partitions live in different slots.
      const parts = Array.from({ length: cfg.partitions }, (_, p) => p)
      const snapshots = await Promise.all(
        parts.map(async (p) => {
          const key = writeStreamKey(this.#prefix, route, p)
          const replies = await client.multi().hgetall(writeCountersKey(this.#prefix, route, p)).hgetall(writeAttentionKey(this.#prefix, route, p)).xlen(key).xrange(key, '-', '+', 'COUNT', 1).exec()
          const value = (i: number): unknown => {
            const [err, v] = replies?.[i] ?? [new Error('the transaction was not run')]
            if (err) throw err
            return v
          }
          const id = (value(3) as [string, unknown][] | undefined)?.[0]?.[0]
          const pending = value(2)
          const partition: WritePartitionStatus = { partition: p, pending: typeof pending === 'number' ? pending : 0, oldestAt: typeof id === 'string' ? Number(id.split('-')[0]) : undefined }
          return { partition, countersRaw: value(0) as Record<string, string>, attention: value(1) as Record<string, string> }
        }),
      )
      const partitions = snapshots.map((x) => x.partition)
      const counters: Record<string, number> = {}
      const items: WriteAttentionItem[] = []
      snapshots.forEach(({ countersRaw, attention }, p) => {
        for (const [k, v] of Object.entries(countersRaw)) if (/^\d+$/.test(v)) counters[k] = (counters[k] ?? 0) + Number(v)
        for (const [id, text] of Object.entries(attention)) items.push({ ...parseWriteAttentionItem(id, text), partition: p })
      })
      const open: Record<string, number> = {}
      for (const it of items) open[it.kind] = (open[it.kind] ?? 0) + (it.kind === 'gap' && typeof it['count'] === 'number' ? it['count'] : 1)
      const oldest = Math.min(...partitions.map((p) => p.oldestAt ?? Infinity))
      return {
        route,
        stage: this.#stages.stage(route),
        lagEntries: partitions.reduce((n, p) => n + p.pending, 0),
        lagSeconds: Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1_000) : 0,
        partitions,
        counters,
        open,
        items: items.slice(0, MAX_ITEMS),
      }
    } catch (err) {
      throw this.#unavailable(err)
    }
  }

  /** Acknowledges an open item (gap, unknown, parked, malformed): it leaves the list; an unknown is then skipped. */
  async ack(route: string, id: string, reason: unknown, by: string): Promise<WriteAttentionItem> {
    this.#routeConfig(route)
    if (typeof reason !== 'string' || reason.trim() === '') throw new InvalidSettingError('an acknowledgement needs a reason, e.g. {"id": "1700000000000-0", "reason": "checked by hand"}')
    const client = this.#ready()
    try {
      const { partition, streamId, text } = await this.#findOpen(client, route, id)
      const item = parseWriteAttentionItem(streamId, text)
      await client
        .multi()
        .hdel(writeAttentionKey(this.#prefix, route, partition), streamId)
        .hset(writeAcksKey(this.#prefix, route, partition), streamId, JSON.stringify({ kind: item.kind, reason: reason.slice(0, 500), by, at: Date.now() }))
        .exec()
      return { ...item, partition }
    } catch (err) {
      if (err instanceof WriteEntryNotFoundError || err instanceof InvalidSettingError) throw err
      throw this.#unavailable(err)
    }
  }

  /**
   * The partition holding an open item: `<partition>/<id>` names it, a bare id is looked up in every
   * partition (ids are stream ids, unique within a partition only).
   */
  async #findOpen(client: RedisClient, route: string, id: string): Promise<{ partition: number; streamId: string; text: string }> {
    const partitions = this.#routeConfig(route).partitions
    const qualified = /^(\d{1,3})\/(.+)$/.exec(id)
    const candidates = qualified ? [Number(qualified[1])].filter((p) => p < partitions) : Array.from({ length: partitions }, (_, p) => p)
    const streamId = qualified?.[2] ?? id
    const found = (await Promise.all(candidates.map(async (p) => ({ partition: p, text: await client.hget(writeAttentionKey(this.#prefix, route, p), streamId) })))).filter(
      (f): f is { partition: number; text: string } => f.text !== null,
    )
    const [one, ...more] = found
    if (one === undefined) throw new WriteEntryNotFoundError(route, id)
    if (more.length > 0) throw new InvalidSettingError(`id ${streamId} is open in partitions ${found.map((f) => f.partition).join(', ')} of route "${route}"; name one as <partition>/${streamId}`)
    return { partition: one.partition, streamId, text: one.text }
  }

  /** Entries the replayer gave up on (parked) or could not read (malformed). */
  async failed(route: string): Promise<WriteAttentionItem[]> {
    const status = await this.status(route)
    return status.items.filter((i) => i.kind === 'parked' || i.kind === 'malformed')
  }

  async close(): Promise<void> {
    this.#client?.disconnect()
  }

  #routeConfig(route: string): NonNullable<ShadowgateConfig['routes'][number]['writes']> {
    const rule = this.#config.routes.find((r) => r.name === route)
    if (!rule) throw new UnknownRouteError(route)
    if (!rule.writes) throw new InvalidSettingError(`route "${route}" has no write log (no writes block in its config)`)
    return rule.writes
  }

  #ready(): RedisClient {
    const client = this.#client
    if (!client || client.status !== 'ready') throw new RuntimeStoreUnavailableError('the write log lives in Redis, which is unavailable or not configured')
    return client
  }

  #unavailable(err: unknown): RuntimeStoreUnavailableError {
    return new RuntimeStoreUnavailableError(`Redis did not answer about the write log: ${(err as Error).message}`, { cause: err })
  }
}
