import { streamIdTime, writeAttentionKey, writeLagBreachKey, writeStreamKey, type RouteWritesConfig, type ShadowgateConfig, type WriteStage } from '@shadowgate/shared'
import type { Logger } from 'pino'
import type { RedisClient } from '../create-redis-client.js'
import { parseWriteAttentionItem } from '../writes/write-log-status.js'
import type { WriteStageStore } from '../writes/write-stage-store.js'
import type { CutoverPreconditionContext, CutoverPreconditionResult } from './cutover-coordinator.js'

export interface WriteCutoverCheckOptions {
  readonly config: ShadowgateConfig
  readonly stages: WriteStageStore
  /** The command connection when Redis can take commands now. */
  readonly redis: () => RedisClient | undefined
  readonly logger: Logger
  readonly now?: () => number
  /** Pause between reads of the log while it drains. */
  readonly pollMs?: number
}

/** The write log of a route as read in one round trip, in Redis time. */
interface LogSnapshot {
  readonly redisNow: number
  readonly entries: number
  /** Redis-time epoch ms of the oldest unreplayed entry. */
  readonly oldestAt: number | undefined
  readonly lastBreachAt: number | undefined
  readonly open: readonly { readonly id: string; readonly kind: string }[]
}

const DEFAULT_POLL_MS = 10
const MAX_LISTED_ITEMS = 5

const seconds = (ms: number): string => `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 0)} s`

/**
 * The write log's part in a cut-over to final of a route whose writes are in stage replay:
 * refuses while items are open (gaps, unknowns, parked or malformed entries) or while the replay lag
 * has not stayed below writes.maxLagForCutover for writes.lagStableFor (read from what the replayers
 * record in Redis, so any gateway can coordinate); then, with the route held everywhere, waits for
 * the log to drain to zero (bounded by the coordinator's deadline). After the commit, the route's
 * write stage moves to final, and each gateway re-reads it before releasing its held writes.
 */
export class WriteCutoverCheck {
  readonly #o: WriteCutoverCheckOptions
  readonly #now: () => number

  constructor(opts: WriteCutoverCheckOptions) {
    this.#o = opts
    this.#now = opts.now ?? Date.now
  }

  /** The coordinator's precondition; a Redis failure refuses, saying so. */
  async precondition(route: string, ctx: CutoverPreconditionContext): Promise<CutoverPreconditionResult> {
    try {
      return await this.#check(route, ctx)
    } catch (err) {
      return { ok: false, reason: `the write log could not be read: ${(err as Error).message}` }
    }
  }

  async #check(route: string, ctx: CutoverPreconditionContext): Promise<CutoverPreconditionResult> {
    const writes = this.#writes(route)
    if (writes === undefined || ctx.to !== 'final') return true
    const stage = this.#o.stages.stage(route)
    if (stage === 'record') return { ok: false, reason: `the writes of ${route} are in stage record: nothing reaches the new side yet (move them to replay and let the lag settle)` }
    if (stage !== 'replay') return true
    const redis = this.#o.redis()
    if (redis === undefined) return { ok: false, reason: 'Redis is unavailable, so the write log cannot be checked' }
    let snap = await this.#read(redis, route, writes)
    const refused = this.#openItems(snap) ?? this.#lagNotStable(snap, writes)
    if (refused !== undefined) return { ok: false, reason: refused }
    // Held everywhere now: no new write is appended, the replayers catch up with what is in flight.
    while (snap.entries > 0) {
      if (this.#now() + (this.#o.pollMs ?? DEFAULT_POLL_MS) >= ctx.deadline) {
        return { ok: false, reason: `the write log did not drain before the pause ran out (cutover.maxPause): ${snap.entries} entries left, the oldest ${seconds(snap.redisNow - (snap.oldestAt ?? snap.redisNow))} behind` }
      }
      await new Promise((resolve) => setTimeout(resolve, this.#o.pollMs ?? DEFAULT_POLL_MS))
      snap = await this.#read(redis, route, writes)
    }
    // A write in flight during the drain may have left a gap or an unknown.
    const late = this.#openItems(snap)
    return late === undefined ? true : { ok: false, reason: late }
  }

  /** After the commit: the route's writes go to the new side (logged for the old one with reverse). */
  async afterCommit(route: string, to: string): Promise<string | undefined> {
    if (to !== 'final' || this.#writes(route) === undefined || this.#o.stages.stage(route) !== 'replay') return undefined
    try {
      const stage: WriteStage = await this.#o.stages.setStage(route, 'final')
      return stage
    } catch (err) {
      this.#o.logger.error({ route, err: (err as Error).message }, 'cut-over committed but the write stage could not be moved to final; writes still go to the old side and are replayed (shadowgate writes stage)')
      return `still replay: ${(err as Error).message}`
    }
  }

  /** Each gateway's step before releasing held requests on a commit: apply the write stage just set. */
  async beforeRelease(route: string): Promise<void> {
    if (this.#writes(route) !== undefined) await this.#o.stages.refresh()
  }

  #writes(route: string): RouteWritesConfig | undefined {
    return this.#o.config.routes.find((r) => r.name === route)?.writes
  }

  #openItems(snap: LogSnapshot): string | undefined {
    if (snap.open.length === 0) return undefined
    const listed = snap.open
      .slice(0, MAX_LISTED_ITEMS)
      .map((i) => `${i.kind} ${i.id}`)
      .join(', ')
    const more = snap.open.length > MAX_LISTED_ITEMS ? ` and ${snap.open.length - MAX_LISTED_ITEMS} more` : ''
    return `the write log has ${snap.open.length} open item(s) to acknowledge first (shadowgate writes ack): ${listed}${more}`
  }

  #lagNotStable(snap: LogSnapshot, writes: RouteWritesConfig): string | undefined {
    const lag = snap.oldestAt === undefined ? 0 : Math.max(0, snap.redisNow - snap.oldestAt)
    if (lag >= writes.maxLagForCutoverMs) return `the replay lag is ${seconds(lag)} (${snap.entries} entries), not below writes.maxLagForCutover (${seconds(writes.maxLagForCutoverMs)})`
    if (snap.lastBreachAt === undefined) return undefined
    const since = snap.redisNow - snap.lastBreachAt
    if (since >= writes.lagStableForMs) return undefined
    return `the replay lag was above writes.maxLagForCutover (${seconds(writes.maxLagForCutoverMs)}) until ${seconds(since)} ago; it must stay below for writes.lagStableFor (${seconds(writes.lagStableForMs)}), ${seconds(writes.lagStableForMs - since)} more`
  }

  async #read(redis: RedisClient, route: string, writes: RouteWritesConfig): Promise<LogSnapshot> {
    const prefix = this.#o.config.redis?.prefix ?? ''
    // One transaction per partition (its keys share a hash tag, so one slot on a Redis Cluster, where a
    // pipeline over the partitions would be refused): each partition is read at one instant, so a gap,
    // which lands in its stream and its open items in one script, is never seen in only one of them.
    const [time, partitions] = await Promise.all([
      redis.time(),
      Promise.all(
        Array.from({ length: writes.partitions }, async (_, p) => {
          const key = writeStreamKey(prefix, route, p)
          const replies = await redis.multi().hgetall(writeAttentionKey(prefix, route, p)).get(writeLagBreachKey(prefix, route, p)).xlen(key).xrange(key, '-', '+', 'COUNT', 1).exec()
          return (i: number): unknown => {
            const [err, v] = replies?.[i] ?? [new Error('the transaction was not run')]
            if (err) throw err
            return v
          }
        }),
      ),
    ])
    const redisNow = Array.isArray(time) ? Number(time[0]) * 1_000 + Math.floor(Number(time[1]) / 1_000) : this.#now()
    const open: { id: string; kind: string }[] = []
    let breach = 0
    let entries = 0
    let oldestAt: number | undefined
    partitions.forEach((value, p) => {
      const attention = value(0)
      // Ids are given as <partition>/<id>: the same stream id can be open in two partitions.
      if (attention && typeof attention === 'object') for (const [id, text] of Object.entries(attention as Record<string, string>)) open.push({ id: `${p}/${id}`, kind: parseWriteAttentionItem(id, text).kind.slice(0, 40) })
      const last = Number(value(1))
      if (Number.isFinite(last)) breach = Math.max(breach, last)
      const len = value(2)
      entries += typeof len === 'number' ? len : 0
      const id = (value(3) as [string, unknown][] | undefined)?.[0]?.[0]
      const at = typeof id === 'string' ? streamIdTime(id) : undefined
      if (at !== undefined) oldestAt = Math.min(oldestAt ?? at, at)
    })
    return { redisNow: Number.isFinite(redisNow) ? redisNow : this.#now(), entries, oldestAt, lastBreachAt: Number.isFinite(breach) && breach > 0 ? breach : undefined, open }
  }
}
