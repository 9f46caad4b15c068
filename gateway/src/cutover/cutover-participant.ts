import { pino, type Logger } from 'pino'
import type { CutoverConfig, MigrationStage, RedisConfig } from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'
import type { FaultCounters } from '../metrics/fault-counters.js'
import { guardHandler, reportHandlerError, type HandlerGuard } from '../runtime/guard-handler.js'
import type { RuntimeSettings } from '../runtime/runtime-settings.js'
import { cutoverKeys, parseCutoverMessage, type CutoverAck, type CutoverKeys, type CutoverMessage, type HoldReport } from './cutover-messages.js'
import { cutoverCommandClient, cutoverSubscriber, readyClient } from './cutover-redis.js'
import { RequestHold, type ReleasedHold } from './request-hold.js'

export interface CutoverParticipantOptions {
  /** The deployment's Redis (one server, Sentinel or Cluster); every key is under its prefix. */
  readonly redis: RedisConfig
  readonly instanceId: string
  readonly settings: RuntimeSettings
  readonly cutover: CutoverConfig
  readonly logger?: Logger
  readonly faults?: FaultCounters
  readonly now?: () => number
  /** Heartbeat period; an instance is live while its last heartbeat is within HEARTBEAT_LIVE_FACTOR periods. */
  readonly heartbeatMs?: number
  /** Bound on each Redis command (default CUTOVER_COMMAND_TIMEOUT_MS). */
  readonly commandTimeoutMs?: number
  /**
   * Asked on a PREPARE once the route is held: resolves true when the writes already let through are
   * in the write log; false (not within half of cutover.ackTimeout) refuses the cut-over.
   */
  readonly writesSettled?: (route: string, timeoutMs: number) => Promise<boolean>
  /** Runs on a COMMIT once the stage is applied, before the held requests go (the write log re-reads the write stage). */
  readonly beforeRelease?: (route: string) => Promise<void>
}

export const DEFAULT_HEARTBEAT_MS = 1_000
/** Missed heartbeats after which an instance no longer counts as live. */
export const HEARTBEAT_LIVE_FACTOR = 3
/** Acks and reports are read right after a cut-over; kept a while for whoever looks later. */
const RECORD_TTL_S = 300

interface Running {
  readonly epoch: number
  readonly to: MigrationStage
  readonly timer: NodeJS.Timeout
}

/**
 * This instance's side of the cut-over protocol: a heartbeat in Redis so coordinators count it, and
 * the handlers of PREPARE (hold the route, acknowledge), COMMIT (apply the committed stage, release
 * to the new side) and ABORT (release to the old side). A hold ends at cutover.maxPause whatever
 * happens to Redis or the coordinator. Messages are untrusted: validated, fenced by epoch, idempotent.
 */
export class CutoverParticipant {
  readonly hold: RequestHold
  readonly keys: CutoverKeys
  readonly #opts: CutoverParticipantOptions
  readonly #logger: Logger
  readonly #guard: HandlerGuard
  readonly #now: () => number
  readonly #running = new Map<string, Running>()
  /** Highest epoch seen per route: older messages are late or replayed and ignored. */
  readonly #seen = new Map<string, number>()
  #client: RedisClient | undefined
  #sub: RedisClient | undefined
  #beat: NodeJS.Timeout | undefined
  #closed = false

  constructor(opts: CutoverParticipantOptions) {
    this.#opts = opts
    this.keys = cutoverKeys(opts.redis.prefix)
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    this.#guard = { logger: this.#logger, faults: opts.faults }
    this.#now = opts.now ?? Date.now
    this.hold = new RequestHold(
      { maxRequests: opts.cutover.maxHeldRequests, maxBytes: opts.cutover.maxHeldBytes },
      {
        now: this.#now,
        onOverflow: (route, epoch) => this.#overflow(route, epoch),
        onReleaseError: (err) => reportHandlerError(this.#guard, 'cutover-release', err),
      },
    )
  }

  get instanceId(): string {
    return this.#opts.instanceId
  }

  /** The command connection when it can take commands now (the coordinator uses it too). */
  client(): RedisClient | undefined {
    return this.#closed ? undefined : readyClient(this.#client)
  }

  /** Connects, subscribes and starts the heartbeat; never waits for Redis. */
  start(): void {
    if (this.#client || this.#closed) return
    // Errors are reported by the runtime store's connection; both reconnect on their own.
    this.#client = cutoverCommandClient(this.#opts.redis, this.#opts.commandTimeoutMs)
    this.#sub = cutoverSubscriber(this.#opts.redis)
    this.#client.on('ready', guardHandler(this.#guard, 'cutover-heartbeat', () => this.#heartbeat()))
    this.#sub.on('message', guardHandler(this.#guard, 'cutover-message', (channel: string, text: string) => this.#onMessage(channel, text)))
    this.#sub.subscribe(this.keys.channel).catch((err: unknown) => this.#logger.debug({ err: (err as Error).message }, 'cut-over channel subscription failed; retried on reconnect'))
    this.#beat = setInterval(guardHandler(this.#guard, 'cutover-heartbeat', () => this.#heartbeat()), this.#opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
    this.#beat.unref()
  }

  /** Whether the subscription is in place (a coordinator's PREPARE reaches this instance). */
  subscribed(): boolean {
    return this.#sub?.status === 'ready'
  }

  /** Idempotent: releases every hold to the side in force, leaves the instance set, disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return
    for (const r of this.hold.releaseAll('close')) this.#finish(r)
    this.#closed = true
    clearInterval(this.#beat)
    for (const r of this.#running.values()) clearTimeout(r.timer)
    this.#running.clear()
    const client = this.#client
    if (client?.status === 'ready') await client.zrem(this.keys.instances, this.#opts.instanceId).catch(() => undefined)
    client?.disconnect()
    this.#sub?.disconnect()
  }

  #heartbeat(): Promise<unknown> | undefined {
    const client = this.client()
    if (client === undefined) return undefined
    const now = this.#now()
    // Instances gone for long are dropped by whoever beats next, so the set stays small.
    return client
      .multi()
      .zadd(this.keys.instances, now, this.#opts.instanceId)
      .zremrangebyscore(this.keys.instances, '-inf', now - 60_000)
      .exec()
      .catch((err: unknown) => this.#logger.debug({ err: (err as Error).message }, 'cut-over heartbeat failed'))
  }

  #onMessage(channel: string, text: string): void {
    if (channel !== this.keys.channel || this.#closed) return
    const msg = parseCutoverMessage(text)
    if (msg === undefined) {
      this.#guard.faults?.rejectedValue('fleet')
      this.#logger.warn({ message: text.slice(0, 200) }, 'ignoring an invalid cut-over message')
      return
    }
    if (!this.#opts.settings.hasRoute(msg.route)) {
      if (msg.type === 'prepare') this.#ack(msg.route, msg.epoch, { ok: false, reason: `no route "${msg.route}" on this instance` })
      return
    }
    const seen = this.#seen.get(msg.route) ?? 0
    if (msg.epoch < seen) return
    this.#seen.set(msg.route, msg.epoch)
    if (msg.type === 'prepare') this.#prepare(msg)
    else if (msg.type === 'abort') this.#release(msg.route, msg.epoch, 'old', 'abort')
    else void this.#commit(msg.route, msg.epoch)
  }

  #prepare(msg: Extract<CutoverMessage, { type: 'prepare' }>): void {
    const { route, epoch } = msg
    const current = this.#running.get(route)
    if (current?.epoch === epoch) {
      // A repeated PREPARE: acknowledge again, hold nothing more.
      this.#ack(route, epoch, { ok: true })
      return
    }
    // A newer epoch supersedes a hold its coordinator gave up on.
    if (current !== undefined) this.#release(route, current.epoch, 'old', 'superseded')
    if (!this.hold.begin(route, epoch)) {
      this.#ack(route, epoch, { ok: false, reason: 'the route is held already' })
      return
    }
    const timer = setTimeout(guardHandler(this.#guard, 'cutover-timeout', () => this.#release(route, epoch, 'old', 'timeout')), this.#opts.cutover.maxPauseMs)
    timer.unref()
    this.#running.set(route, { epoch, to: msg.to, timer })
    this.#logger.info({ route, epoch, from: msg.from, to: msg.to }, 'cut-over: holding new requests of the route')
    const settled = this.#opts.writesSettled
    if (settled === undefined) return this.#ack(route, epoch, { ok: true })
    settled(route, this.#opts.cutover.ackTimeoutMs / 2).then(
      (ok) => this.#ack(route, epoch, ok ? { ok: true } : { ok: false, reason: 'writes let through before the hold did not reach the write log in time' }),
      (err: unknown) => this.#ack(route, epoch, { ok: false, reason: `writes in flight could not be checked: ${(err as Error).message}` }),
    )
  }

  async #commit(route: string, epoch: number): Promise<void> {
    const running = this.#running.get(route)
    if (running?.epoch !== epoch) return
    // The stage is applied from the store before anything is released, so no held request goes to the old side.
    try {
      if (this.#opts.settings.stage(route) !== running.to) await this.#opts.settings.refresh(route)
    } catch (err) {
      this.#logger.warn({ route, epoch, err: (err as Error).message }, 'cut-over committed but the new stage could not be read; holding until cutover.maxPause')
      return
    }
    if (this.#opts.settings.stage(route) !== running.to) {
      this.#logger.warn({ route, epoch, stage: this.#opts.settings.stage(route), expected: running.to }, 'cut-over committed but the stored stage differs; holding until cutover.maxPause')
      return
    }
    // Best effort: a write released on the old side is logged there and replayed to the new one.
    await this.#opts.beforeRelease?.(route).catch((err: unknown) => this.#logger.warn({ route, epoch, err: (err as Error).message }, 'cut-over committed; the write stage could not be re-read before the release'))
    this.#release(route, epoch, 'new', 'commit')
  }

  #overflow(route: string, epoch: number): void {
    this.#logger.warn({ route, epoch, maxHeldRequests: this.#opts.cutover.maxHeldRequests, maxHeldBytes: this.#opts.cutover.maxHeldBytes }, 'cut-over: held requests past their bound; releasing to the old side and refusing')
    this.#ack(route, epoch, { ok: false, reason: 'held requests past cutover.maxHeldRequests or cutover.maxHeldBytes' })
    this.#release(route, epoch, 'old', 'overflow')
  }

  #release(route: string, epoch: number, to: 'old' | 'new', cause: string): void {
    const running = this.#running.get(route)
    if (running?.epoch !== epoch) return
    clearTimeout(running.timer)
    this.#running.delete(route)
    const released = this.hold.release(route, epoch, to, cause)
    if (released) this.#finish(released)
  }

  #finish(r: ReleasedHold): void {
    const level = r.cause === 'commit' || r.cause === 'abort' ? 'info' : 'warn'
    this.#logger[level]({ route: r.route, epoch: r.epoch, held: r.pauses.length, releasedTo: r.releasedTo, cause: r.cause, pauseMaxMs: Math.max(0, ...r.pauses) }, 'cut-over: released held requests')
    const report: HoldReport = { instance: this.#opts.instanceId, pauses: r.pauses, releasedTo: r.releasedTo, cause: r.cause }
    this.#record(this.keys.reports(r.route, r.epoch), JSON.stringify(report))
  }

  #ack(route: string, epoch: number, ack: CutoverAck): void {
    this.#record(this.keys.acks(route, epoch), JSON.stringify(ack))
  }

  #record(key: string, value: string): void {
    const client = this.client()
    if (client === undefined) return
    client
      .multi()
      .hset(key, this.#opts.instanceId, value)
      .expire(key, RECORD_TTL_S)
      .exec()
      .catch((err: unknown) => this.#logger.debug({ key, err: (err as Error).message }, 'cut-over record not written'))
  }
}
