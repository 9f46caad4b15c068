import type { Logger } from 'pino'
import {
  CUTOVER_REQUEST_TTL_MS,
  cutoverRequestClaimKey,
  cutoverRequestOutcomeKey,
  cutoverRequestQueueKey,
  parseCutoverRequest,
  type CutoverRequestMessage,
  type CutoverRequestOutcome,
} from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'
import type { CutoverRequest } from './cutover-coordinator.js'
import type { CutoverOutcome } from './cutover-outcome.js'

/** The coordinator's part the runner needs. */
export interface CutoverRunner {
  run(route: string, req: CutoverRequest): Promise<CutoverOutcome>
}

export interface CutoverRequestRunnerOptions {
  /** The command connection when Redis can take commands now (the cut-over participant's). */
  readonly redis: () => RedisClient | undefined
  readonly prefix: string
  readonly instanceId: string
  readonly coordinator: CutoverRunner
  readonly logger: Logger
  /** Time between two looks at the queue (default 250 ms). */
  readonly pollMs?: number
  readonly now?: () => number
}

export const DEFAULT_CUTOVER_REQUEST_POLL_MS = 250

/**
 * Runs the cut-overs other processes ask for through Redis (the gate's promotion): every gateway
 * with Redis polls the queue; the one that pops a request claims it (SET NX, so an asker that gave up
 * first wins and the request is dropped), runs it with its coordinator and writes the outcome under
 * the request's id. A request that is not one, or a coordinator that refuses, never stops the loop.
 */
export class CutoverRequestRunner {
  readonly #o: CutoverRequestRunnerOptions
  readonly #pollMs: number
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #closed = false
  #closing: Promise<void> | undefined

  constructor(o: CutoverRequestRunnerOptions) {
    this.#o = o
    this.#pollMs = o.pollMs ?? DEFAULT_CUTOVER_REQUEST_POLL_MS
    this.#now = o.now ?? Date.now
  }

  start(): void {
    if (this.#closed || this.#timer !== undefined) return
    const loop = (): void => {
      this.#running = this.poll().finally(() => {
        this.#running = undefined
        if (!this.#closed) this.#timer = setTimeout(loop, this.#pollMs).unref()
      })
    }
    this.#timer = setTimeout(loop, 0).unref()
  }

  /** Takes and runs every request waiting now. Never throws. */
  async poll(): Promise<void> {
    while (!this.#closed) {
      const redis = this.#o.redis()
      if (redis === undefined) return
      let raw: string | null
      try {
        raw = await redis.lpop(cutoverRequestQueueKey(this.#o.prefix))
      } catch {
        return
      }
      if (raw === null) return
      await this.#take(redis, raw)
    }
  }

  /** Stops polling and waits for a cut-over it is running (bounded by the coordinator). Idempotent. */
  close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#closing ??= (this.#running ?? Promise.resolve()).catch(() => undefined)
    return this.#closing
  }

  async #take(redis: RedisClient, raw: string): Promise<void> {
    const req = parseCutoverRequest(raw)
    if (req === undefined) {
      this.#o.logger.warn({ length: raw.length }, 'cut-over request queue: dropped an entry that is not a request')
      return
    }
    const log = { route: req.route, request: req.id, by: req.by }
    try {
      const claimed = await redis.set(cutoverRequestClaimKey(this.#o.prefix, req.id), this.#o.instanceId, 'PX', CUTOVER_REQUEST_TTL_MS, 'NX')
      if (claimed !== 'OK') {
        this.#o.logger.info(log, 'cut-over request dropped: its asker gave up before it was taken')
        return
      }
    } catch (err) {
      // Unclaimed, so the asker's bound tells it nothing ran.
      this.#o.logger.warn({ ...log, err: (err as Error).message }, 'cut-over request dropped: Redis did not take the claim')
      return
    }
    this.#o.logger.info(log, 'cut-over request taken')
    const outcome = await this.#run(req)
    try {
      await redis.set(cutoverRequestOutcomeKey(this.#o.prefix, req.id), JSON.stringify({ ...outcome, reason: outcome.reason.slice(0, 1_000) }), 'PX', CUTOVER_REQUEST_TTL_MS)
    } catch (err) {
      this.#o.logger.warn({ ...log, outcome: outcome.outcome, err: (err as Error).message }, 'cut-over request: the outcome could not be written back')
    }
  }

  async #run(req: CutoverRequestMessage): Promise<CutoverRequestOutcome> {
    const base = { id: req.id, route: req.route, instance: this.#o.instanceId }
    try {
      const o = await this.#o.coordinator.run(req.route, { to: req.to, reason: req.reason, by: req.by })
      const reason = o.outcome === 'committed' ? req.reason : (o.abortReason ?? 'aborted')
      return { ...base, outcome: o.outcome, reason, code: null, epoch: o.epoch, at: this.#now() }
    } catch (err) {
      const code = (err as { code?: unknown }).code
      return { ...base, outcome: 'aborted', reason: (err as Error).message || 'the coordinator refused', code: typeof code === 'string' && code.length > 0 ? code : null, epoch: null, at: this.#now() }
    }
  }
}
