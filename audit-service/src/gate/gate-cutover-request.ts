import { randomUUID } from 'node:crypto'
import {
  CUTOVER_REQUEST_GIVEN_UP,
  CUTOVER_REQUEST_TTL_MS,
  cutoverRequestClaimKey,
  cutoverRequestOutcomeKey,
  cutoverRequestQueueKey,
  parseCutoverRequestOutcome,
  WakeableSleep,
  type CutoverRequestMessage,
} from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'

/** What a promotion did: `done` only when the cut-over committed; `why` says what happened either way. */
export interface GatePromotion {
  readonly done: boolean
  readonly why: string
}

export interface GateCutoverRequesterOptions {
  /** Commands only; never closed here. */
  readonly redis: RedisClient
  readonly prefix: string
  /** How long a gateway has to take the request before the gate records that the cut-over did not happen. */
  readonly takeTimeoutMs: number
  /** How long, once taken, the outcome is waited for (the coordinator's own bounds plus a margin). */
  readonly runTimeoutMs: number
  /** Time between two reads of the claim and the outcome (default 50 ms). */
  readonly pollMs?: number
  /** Called about once a second while waiting (the evaluator renews its lease). */
  readonly keepAlive?: () => Promise<unknown>
}

const KEEP_ALIVE_MS = 1_000

/**
 * The gate's side of a cut-over asked through Redis: it pushes the request, waits (bounded) for a
 * gateway to claim it and for its outcome. When no gateway took it in time the gate takes the claim
 * itself, so no gateway runs it later, and says so. Redis errors while waiting count as "not yet".
 */
export class GateCutoverRequester {
  readonly #o: GateCutoverRequesterOptions
  readonly #sleeper = new WakeableSleep()
  #closed = false

  constructor(o: GateCutoverRequesterOptions) {
    this.#o = o
  }

  /** Asks every gateway's runner for a cut-over of `route` to final and waits for what happened. Never throws. */
  async request(route: string, reason: string, by: string): Promise<GatePromotion> {
    const { redis, prefix } = this.#o
    const msg: CutoverRequestMessage = { id: `${Date.now().toString(36)}-${randomUUID()}`, route, to: 'final', reason: reason.slice(0, 1_000), by, requestedAt: Date.now() }
    const text = JSON.stringify(msg)
    const queue = cutoverRequestQueueKey(prefix)
    const claimKey = cutoverRequestClaimKey(prefix, msg.id)
    try {
      await redis.rpush(queue, text)
    } catch (err) {
      return { done: false, why: `Redis did not take the cut-over request (${(err as Error).message})` }
    }
    const takeBy = performance.now() + this.#o.takeTimeoutMs
    let runBy = 0
    let taker: string | undefined
    let keptAt = performance.now()
    for (;;) {
      if (this.#closed) {
        if (taker !== undefined) return { done: false, why: `the gate stopped while gateway ${taker} ran the cut-over; the next round reads the stage` }
        if (await this.#giveUp(claimKey, queue, text)) return { done: false, why: 'the gate stopped before a gateway took the cut-over request' }
        return { done: false, why: 'the gate stopped while a gateway ran the cut-over; the next round reads the stage' }
      }
      try {
        if (taker === undefined) {
          const claim = await redis.get(claimKey)
          if (claim !== null && claim !== CUTOVER_REQUEST_GIVEN_UP) {
            taker = claim
            runBy = performance.now() + this.#o.runTimeoutMs
            continue
          }
          if (performance.now() >= takeBy && (await this.#giveUp(claimKey, queue, text))) {
            return { done: false, why: `no gateway took the cut-over request within ${this.#o.takeTimeoutMs} ms (is a gateway with Redis running?)` }
          }
        } else {
          const raw = await redis.get(cutoverRequestOutcomeKey(prefix, msg.id))
          if (raw !== null) {
            const o = parseCutoverRequestOutcome(raw, msg.id)
            if (o === undefined) return { done: false, why: `gateway ${taker} ran the cut-over but its outcome is unreadable; the next round reads the stage` }
            if (o.outcome === 'committed') return { done: true, why: `cut-over committed by gateway ${o.instance} (epoch ${o.epoch ?? '?'})` }
            return { done: false, why: `the cut-over aborted on gateway ${o.instance}: ${o.code === null ? '' : `${o.code} `}${o.reason}` }
          }
          if (performance.now() >= runBy) return { done: false, why: `gateway ${taker} took the cut-over request but wrote no outcome within ${this.#o.runTimeoutMs} ms; the next round reads the stage` }
        }
      } catch {
        // A failed read is retried until the bound.
        if (performance.now() >= (taker === undefined ? takeBy + this.#o.runTimeoutMs : runBy)) return { done: false, why: 'Redis did not answer while the gate waited for the cut-over; the next round reads the stage' }
      }
      if (performance.now() - keptAt >= KEEP_ALIVE_MS) {
        keptAt = performance.now()
        await this.#o.keepAlive?.().catch(() => undefined)
      }
      await this.#sleeper.sleep(this.#o.pollMs ?? 50)
    }
  }

  /** Wakes and ends every wait (the waits record why). Idempotent. */
  close(): void {
    this.#closed = true
    this.#sleeper.wakeAll()
  }

  /** Takes the claim so that no gateway runs the request any more; false when a gateway took it first. */
  async #giveUp(claimKey: string, queue: string, text: string): Promise<boolean> {
    const { redis } = this.#o
    const won = (await redis.set(claimKey, CUTOVER_REQUEST_GIVEN_UP, 'PX', CUTOVER_REQUEST_TTL_MS, 'NX').catch(() => null)) === 'OK'
    if (won) await redis.lrem(queue, 1, text).catch(() => undefined)
    return won
  }

}
