import { decodeWriteEntry, NO_ANSWER_STATUS, type RouteConfig, type RouteWritesConfig, type WriteIntent, type WriteStage } from '@shadowgate/shared'
import type { Logger } from 'pino'
import type { RawStreamEntry, ReplayStore } from './replay-store.js'
import type { ReplayTarget } from './replay-target.js'
import type { ReplayTally } from './replay-tally.js'
import type { ReadBackVerifier } from './read-back-verifier.js'

export interface PartitionReplayerOptions {
  readonly route: RouteConfig
  readonly writes: RouteWritesConfig
  readonly partition: number
  readonly store: ReplayStore
  readonly target: ReplayTarget
  readonly tally: ReplayTally
  /** Reads replayed writes back from both sides (routes with a verify read). */
  readonly verifier?: ReadBackVerifier
  readonly consumer: string
  readonly logger: Logger
  /** The route's current write stage (from Redis); entries move only in replay and final. */
  readonly stage: () => WriteStage | undefined
  readonly leaseTtlMs: number
  readonly pollMs: number
  readonly backoffMs: number
  readonly batch: number
  readonly now?: () => number
  readonly sleep: (ms: number) => Promise<void>
  readonly closed: () => boolean
}

/** Bounded retry delay: base, doubled per attempt, at most 30 s. */
function backoff(base: number, attempt: number): number {
  return Math.min(base * 2 ** Math.max(0, attempt - 1), 30_000)
}

/**
 * Replays one partition stream of a route, in order, while it holds the partition's lease: first
 * what a dead replayer left pending (XAUTOCLAIM, same idempotency keys), then new entries. An
 * intent waits for its outcome; without one after `unknownAfter` it is `unknown` and holds the
 * partition until acknowledged. Writes the serving side refused (4xx/5xx) are skipped; a 5xx or
 * timeout from the replay target is retried with backoff, then parked. Other partitions go on.
 */
export class PartitionReplayer {
  readonly #o: PartitionReplayerOptions
  #held = false
  #renewedAt = 0
  #claim = true

  constructor(opts: PartitionReplayerOptions) {
    this.#o = opts
  }

  get label(): string {
    return `${this.#o.route.name}:${this.#o.partition}`
  }

  /** Runs until closed; every Redis error is logged and retried after a poll interval. */
  async run(): Promise<void> {
    const o = this.#o
    let failing = false
    while (!o.closed()) {
      try {
        if (!(await this.#step())) await o.sleep(o.pollMs)
        if (failing) o.logger.info({ partition: this.label }, 'replay resumed')
        failing = false
      } catch (err) {
        this.#held = false
        // Once per outage, not once per retry.
        if (!failing) o.logger.warn({ partition: this.label, err: (err as Error).message }, 'replay step failed (Redis unavailable?); retrying every second')
        failing = true
        await o.sleep(Math.max(o.pollMs, 1_000))
      }
    }
    if (this.#held) await o.store.release(o.consumer).catch(() => undefined)
  }

  /** One round; resolves true when it did work (so the next round starts at once). */
  async #step(): Promise<boolean> {
    const o = this.#o
    const stage = o.stage()
    if (stage !== 'replay' && stage !== 'final') return false
    if (!(await this.#keepLease())) return false
    if (this.#claim) await o.store.ensureGroup()
    let entries: RawStreamEntry[] = []
    if (this.#claim) {
      entries = await o.store.claimPending(o.consumer, o.batch)
      if (entries.length === 0) this.#claim = false
    }
    if (!this.#claim) entries = await o.store.readNew(o.consumer, o.batch)
    for (const e of entries) {
      if (o.closed() || !(await this.#keepLease())) return false
      await this.#handle(e)
    }
    return entries.length > 0
  }

  async #keepLease(): Promise<boolean> {
    const o = this.#o
    const now = (o.now ?? Date.now)()
    // Renewed well before it can expire; a round trip per entry would halve the replay rate.
    if (this.#held && now - this.#renewedAt < o.leaseTtlMs / 3) return true
    const held = await o.store.lease(o.consumer, o.leaseTtlMs, this.#held)
    this.#renewedAt = now
    if (held && !this.#held) {
      // A new owner first claims what the previous one left pending.
      this.#claim = true
      o.logger.info({ partition: this.label, consumer: o.consumer }, 'replaying partition')
    }
    this.#held = held
    return held
  }

  async #handle(raw: RawStreamEntry): Promise<void> {
    const o = this.#o
    if (raw.fields === null) return o.store.finish(raw.id, undefined, undefined)
    const entry = decodeWriteEntry(raw.fields)
    if (entry.type === 'malformed') {
      o.logger.warn({ partition: this.label, id: raw.id, problem: entry.problem }, 'malformed write-log entry; listed and skipped')
      await o.store.flag(raw.id, { kind: 'malformed', problem: entry.problem, partition: o.partition, fields: JSON.stringify(raw.fields).slice(0, 500) })
      o.tally.add(o.route.name, 'malformed')
      return o.store.finish(raw.id, undefined, 'malformed')
    }
    if (entry.type === 'gap') {
      // Counted and listed by the gateway when it recorded the gap.
      o.tally.add(o.route.name, 'gaps', entry.count)
      return o.store.finish(raw.id, undefined, undefined)
    }
    const status = await this.#awaitOutcome(raw.id, entry)
    if (status === 'acked') return o.store.finish(raw.id, entry.key, 'acknowledged')
    if (status === undefined) return
    if (status >= 400) {
      o.tally.add(o.route.name, 'skipped')
      return o.store.finish(raw.id, entry.key, 'skipped')
    }
    await this.#replay(raw.id, entry, status)
  }

  /** The serving side's status; 'acked' for an unknown the operator acknowledged; undefined when closing. */
  async #awaitOutcome(id: string, e: WriteIntent): Promise<number | 'acked' | undefined> {
    const o = this.#o
    const now = o.now ?? Date.now
    let flagged = false
    while (!o.closed()) {
      const outcome = await o.store.outcome(e.key)
      const known = outcome !== undefined && outcome !== 'invalid' && outcome.status !== NO_ANSWER_STATUS
      if (known) {
        if (flagged) await o.store.unflag(id)
        return outcome.status
      }
      const expired = outcome !== undefined || now() - e.at >= o.writes.unknownAfterMs
      if (expired) {
        if (await o.store.acked(id)) return 'acked'
        if (!flagged) {
          flagged = true
          const why = outcome === undefined ? 'no outcome recorded (the gateway may have stopped mid-write)' : 'the serving side gave no complete answer'
          if (await o.store.flag(id, { kind: 'unknown', key: e.key, method: e.method, target: e.target, at: e.at, partition: o.partition, instance: e.instance, why })) {
            o.tally.add(o.route.name, 'unknowns')
            await o.store.count('unknowns')
            o.logger.warn({ partition: this.label, id, key: e.key }, 'write outcome unknown; partition held until acknowledged (shadowgate writes ack)')
          }
        }
      }
      await o.sleep(o.pollMs)
      if (!(await this.#keepLease())) return undefined
    }
    return undefined
  }

  async #replay(id: string, e: WriteIntent, loggedStatus: number): Promise<void> {
    const o = this.#o
    const upstream = e.side === 'old' ? o.route.shadow : o.route.primary
    if (upstream === undefined) return
    let last = ''
    for (let attempt = 1; attempt <= o.writes.maxAttempts; attempt++) {
      const answer = await o.target.send(upstream, e, o.writes.idempotencyHeader, o.writes.replayTimeoutMs)
      if ('status' in answer && answer.status < 500) {
        o.tally.replayed(o.route.name, e.method, loggedStatus, answer.status, o.writes.verify)
        const mismatch = o.writes.verify && answer.status !== loggedStatus
        if (mismatch) await o.store.count('mismatched')
        await o.store.finish(id, e.key, 'replayed')
        if (o.writes.verifyRead) o.verifier?.schedule(o.route, o.writes.verifyRead, o.writes.replayTimeoutMs, e, o.partition)
        return
      }
      last = 'status' in answer ? `status ${answer.status}` : `${answer.error}: ${answer.message}`
      o.tally.add(o.route.name, 'failed')
      await o.store.count('failed')
      if (attempt < o.writes.maxAttempts) {
        await o.sleep(backoff(o.backoffMs, attempt))
        if (o.closed() || !(await this.#keepLease())) return
      }
    }
    await o.store.flag(id, { kind: 'parked', key: e.key, method: e.method, target: e.target, at: e.at, partition: o.partition, attempts: o.writes.maxAttempts, last, upstream })
    o.tally.add(o.route.name, 'parked')
    o.logger.warn({ partition: this.label, id, key: e.key, last }, 'write parked after its last attempt (shadowgate writes failed)')
    return o.store.finish(id, e.key, 'parked')
  }
}
