import type { RedisClient } from '../create-redis-client.js'
import { pino, type Logger } from 'pino'
import type { CutoverConfig, MigrationStage } from '@shadowgate/shared'
import { CutoverFromPassthroughError, CutoverInProgressError, CutoverStageError, CutoverTooSoonError, InvalidSettingError, RuntimeStoreUnavailableError, StageNeedsRedisError } from '../errors.js'
import type { RuntimeSettings } from '../runtime/runtime-settings.js'
import { checkReason } from '../runtime/stage-move.js'
import { parseAck, parseHoldReport, type CutoverKeys, type CutoverMessage, type HoldReport } from './cutover-messages.js'
import { cutoverOutcomeJson, pauseSummary, type CutoverOutcome } from './cutover-outcome.js'
import { DEFAULT_HEARTBEAT_MS, HEARTBEAT_LIVE_FACTOR } from './cutover-participant.js'

/** What a precondition is given: where the cut-over goes and until when (epoch ms) it may take. */
export interface CutoverPreconditionContext {
  readonly from: MigrationStage
  readonly to: MigrationStage
  /** Past it the commit would come too close to cutover.maxPause; the answer is then not waited for. */
  readonly deadline: number
}

/** true: commit; false or `{ok: false, reason}`: abort (the reason goes into the outcome). */
export type CutoverPreconditionResult = boolean | { readonly ok: boolean; readonly reason?: string }

/**
 * A route's precondition for a commit, asked once every live instance holds the route (e.g. the
 * write log: no open items, stable lag, drained).
 */
export type CutoverPrecondition = (route: string, ctx: CutoverPreconditionContext) => CutoverPreconditionResult | Promise<CutoverPreconditionResult>

/** Both preconditions in turn (the first refusal answers); undefined when there is none. */
export function composePreconditions(...all: (CutoverPrecondition | undefined)[]): CutoverPrecondition | undefined {
  const list = all.filter((p): p is CutoverPrecondition => p !== undefined)
  if (list.length <= 1) return list[0]
  return async (route, ctx) => {
    for (const p of list) {
      const answer = await p(route, ctx)
      if (answer === false || (answer !== true && !answer.ok)) return answer
    }
    return true
  }
}

/** Runs after the stage moved and before COMMIT is published; its answer is kept in the outcome as `writes`. */
export type CutoverCommitStep = (route: string, to: MigrationStage) => Promise<string | undefined>

export interface CutoverCoordinatorOptions {
  readonly settings: RuntimeSettings
  readonly cutover: CutoverConfig
  readonly keys: CutoverKeys
  /** The command connection when Redis can take commands now; undefined without Redis configured: see `hasRedis`. */
  readonly redis: () => RedisClient | undefined
  readonly hasRedis: boolean
  readonly precondition?: CutoverPrecondition
  /** e.g. the write log moving the route's writes to the new side. */
  readonly onCommit?: CutoverCommitStep
  readonly logger?: Logger
  readonly now?: () => number
  readonly heartbeatMs?: number
  /** Called with every outcome (InfluxDB records it). */
  readonly onOutcome?: (outcome: CutoverOutcome) => void
}

export interface CutoverRequest {
  /** `final` (default) or `shadow`. */
  readonly to?: unknown
  readonly reason: unknown
  readonly by?: string
}

const POLL_MS = 5
/** The commit starts at least this long (or a quarter of maxPause) before the instances' maxPause timers run out. */
const COMMIT_MARGIN_MS = 200
/** Past maxPause, how long reports of the holds are waited for (instances released by then). */
const REPORT_GRACE_MS = 500

// Deletes the lock only if it is still this cut-over's.
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves with `p`'s value, or undefined once `deadline` (epoch ms by `now`) has passed or `p` failed. */
async function before<T>(p: Promise<T>, deadline: number, now: () => number): Promise<T | undefined> {
  const left = deadline - now()
  if (left <= 0) {
    p.catch(() => undefined)
    return undefined
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), left)
  })
  try {
    return await Promise.race([p.catch(() => undefined), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs one cut-over of a route's serving side across every live gateway: PREPARE (every instance
 * holds new requests of the route and acknowledges), then COMMIT (the stage is moved with a
 * compare-and-set, instances release to the new side) when every live instance acknowledged within
 * cutover.ackTimeout and the precondition holds, else ABORT (release to the old side).
 */
export class CutoverCoordinator {
  readonly #o: CutoverCoordinatorOptions
  readonly #logger: Logger
  readonly #now: () => number

  constructor(opts: CutoverCoordinatorOptions) {
    this.#o = opts
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    this.#now = opts.now ?? Date.now
  }

  /** Checks, locks and runs a cut-over; resolves with its outcome, rejects (nothing changed) when it cannot start. */
  async run(route: string, req: CutoverRequest): Promise<CutoverOutcome> {
    const { settings, keys, cutover } = this.#o
    const view = settings.view(route)
    const to = req.to ?? 'final'
    if (to !== 'final' && to !== 'shadow') throw new InvalidSettingError(`to must be "final" or "shadow" (got ${JSON.stringify(to)})`)
    const reason = checkReason(req.reason)
    const by = req.by ?? 'admin'
    const from = view.stage.stage
    if (from === 'passthrough') throw new CutoverFromPassthroughError(route)
    if (to === 'final' && from === 'final') throw new CutoverStageError(route, 'it is in final already; cut over to shadow to go back')
    if (to === 'shadow' && from !== 'final') throw new CutoverStageError(route, `it is in ${from}, and only a route in final is cut over back to shadow`)
    if (to === 'final' && view.shadow === undefined) throw new CutoverStageError(route, 'it has no new side (set `new` on the route)')
    if (!this.#o.hasRedis) throw new StageNeedsRedisError()
    const redis = this.#o.redis()
    if (redis === undefined) throw new RuntimeStoreUnavailableError('Redis is unavailable, so the gateways cannot be held together; nothing was changed')

    const lockMs = cutover.ackTimeoutMs + cutover.maxPauseMs + REPORT_GRACE_MS + 1_000
    let epoch: number
    try {
      if ((await redis.set(keys.lock(route), 'starting', 'PX', lockMs, 'NX')) !== 'OK') throw new CutoverInProgressError(route)
      const last = Number(await redis.get(keys.lastFlip(route)))
      const wait = Number.isFinite(last) && last > 0 ? last + cutover.minTimeBetweenFlipsMs - this.#now() : 0
      if (wait > 0) throw new CutoverTooSoonError(route, wait)
      epoch = await redis.incr(keys.epoch(route))
      await redis.set(keys.lock(route), String(epoch), 'PX', lockMs)
    } catch (err) {
      if (err instanceof CutoverInProgressError) throw err
      // Nothing started: free the lock for the next attempt (it would expire on its own otherwise).
      await redis.eval(UNLOCK, 1, keys.lock(route), 'starting').catch(() => undefined)
      if (err instanceof CutoverTooSoonError) throw err
      throw new RuntimeStoreUnavailableError(`Redis did not answer: ${(err as Error).message}; nothing was changed`, { cause: err })
    }
    try {
      return await this.#run(redis, route, epoch, from, to, reason, by)
    } finally {
      await redis.eval(UNLOCK, 1, keys.lock(route), String(epoch)).catch(() => undefined)
    }
  }

  async #run(redis: RedisClient, route: string, epoch: number, from: MigrationStage, to: MigrationStage, reason: string, by: string): Promise<CutoverOutcome> {
    const { keys, cutover, settings } = this.#o
    const liveSince = this.#now() - (this.#o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS) * HEARTBEAT_LIVE_FACTOR
    const instances = await redis.zrangebyscore(keys.instances, liveSince, '+inf')
    const preparedAt = this.#now()
    const ackDeadline = preparedAt + cutover.ackTimeoutMs
    await this.#publish(redis, { type: 'prepare', route, epoch, from, to })
    this.#logger.info({ route, epoch, from, to, instances: instances.length }, 'cut-over: PREPARE sent')

    const acked = new Set<string>()
    let abortReason: string | undefined = instances.length === 0 ? 'no live gateway instance is registered' : undefined
    while (abortReason === undefined && acked.size < instances.length) {
      const acks = await before(redis.hgetall(keys.acks(route, epoch)), ackDeadline, this.#now)
      if (this.#now() >= ackDeadline && acked.size < instances.length) {
        abortReason = `not every live instance acknowledged within cutover.ackTimeout (${instances.filter((i) => !acked.has(i)).join(', ')} did not)`
        break
      }
      for (const [id, text] of Object.entries(acks ?? {})) {
        const ack = parseAck(text)
        if (!ack.ok) abortReason = `instance ${id} refused: ${ack.reason ?? 'no reason given'}`
        else if (instances.includes(id)) acked.add(id)
      }
      if (abortReason === undefined && acked.size < instances.length) await sleep(POLL_MS)
    }
    // A precondition may wait (a write log draining) while the route is held, but not into the instances' own timeout.
    const commitDeadline = preparedAt + cutover.maxPauseMs - Math.min(COMMIT_MARGIN_MS, cutover.maxPauseMs / 4)
    if (abortReason === undefined && this.#o.precondition) {
      const precondition = this.#o.precondition
      const answer = await before(Promise.resolve().then(() => precondition(route, { from, to, deadline: commitDeadline })), commitDeadline, this.#now)
      if (answer === undefined) abortReason = 'the route precondition did not answer before the pause ran out (cutover.maxPause)'
      else if (answer === false) abortReason = 'the route precondition does not hold'
      else if (answer !== true && !answer.ok) abortReason = `the route precondition does not hold: ${answer.reason ?? 'no reason given'}`
    }
    let committedAt: number | undefined
    let writes: string | undefined
    if (abortReason === undefined && this.#now() >= (this.#o.precondition ? commitDeadline : ackDeadline)) abortReason = 'the pause ran out before the commit (cutover.ackTimeout, or cutover.maxPause with a precondition)'
    if (abortReason === undefined) {
      try {
        await settings.setStage(route, to, { expected: from, reason, by })
        committedAt = this.#now()
      } catch (err) {
        abortReason = `the stage could not be changed: ${(err as Error).message}`
      }
    }
    if (committedAt !== undefined && this.#o.onCommit) {
      writes = await this.#o.onCommit(route, to).catch((err: unknown) => `not changed: ${(err as Error).message}`)
    }
    const decidedAt = this.#now()
    if (committedAt !== undefined) {
      await redis.set(keys.lastFlip(route), String(committedAt)).catch(() => undefined)
      await this.#publish(redis, { type: 'commit', route, epoch })
    } else {
      await this.#publish(redis, { type: 'abort', route, epoch })
    }
    const reports = await this.#reports(redis, route, epoch, instances, preparedAt + cutover.maxPauseMs + REPORT_GRACE_MS)
    const outcome: CutoverOutcome = {
      route,
      epoch,
      outcome: committedAt === undefined ? 'aborted' : 'committed',
      abortReason,
      from,
      to,
      instances,
      acknowledged: [...acked],
      reported: reports.length,
      ...pauseSummary(reports),
      preparedAt,
      committedAt,
      decidedAt,
      reason,
      by,
      ...(writes === undefined ? {} : { writes }),
    }
    this.#logger[committedAt === undefined ? 'warn' : 'info'](cutoverOutcomeJson(outcome), committedAt === undefined ? 'cut-over aborted' : 'cut-over committed')
    try {
      this.#o.onOutcome?.(outcome)
    } catch (err) {
      this.#logger.error({ err }, 'recording a cut-over outcome failed')
    }
    return outcome
  }

  async #publish(redis: RedisClient, msg: CutoverMessage): Promise<void> {
    // Best effort: an instance that misses COMMIT or ABORT releases to the old side at maxPause.
    await redis.publish(this.#o.keys.channel, JSON.stringify(msg)).catch((err: unknown) => this.#logger.warn({ route: msg.route, epoch: msg.epoch, type: msg.type, err: (err as Error).message }, 'cut-over message not sent'))
  }

  /** Hold reports of the instances asked, until all are in or `deadline`. */
  async #reports(redis: RedisClient, route: string, epoch: number, instances: readonly string[], deadline: number): Promise<HoldReport[]> {
    let reports: HoldReport[] = []
    while (this.#now() < deadline) {
      const raw = await before(redis.hgetall(this.#o.keys.reports(route, epoch)), deadline, this.#now)
      reports = []
      for (const text of Object.values(raw ?? {})) {
        const r = parseHoldReport(text, this.#o.cutover.maxHeldRequests)
        if (r !== undefined) reports.push(r)
      }
      if (instances.every((id) => reports.some((r) => r.instance === id))) break
      await sleep(POLL_MS * 4)
    }
    return reports
  }
}
