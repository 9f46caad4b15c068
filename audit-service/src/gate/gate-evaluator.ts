import type { RedisClient } from '../create-redis-client.js'
import type { Logger } from 'pino'
import { stagePoint, type InfluxWriter } from '@shadowgate/influx'
import {
  DEFAULT_CUTOVER_ACK_TIMEOUT_MS,
  DEFAULT_CUTOVER_MAX_PAUSE_MS,
  DEFAULT_CUTOVER_MIN_TIME_BETWEEN_FLIPS_MS,
  gateFiguresKey,
  gateLastKey,
  gateWindowStart,
  parseGateFigures,
  type CutoverConfig,
  type RouteConfig,
  type RouteGateConfig,
} from '@shadowgate/shared'
import { GateCutoverRequester, type GatePromotion } from './gate-cutover-request.js'
import { GateLease } from './gate-lease.js'
import type { GateMetrics } from './gate-metrics.js'
import { decideWindow, parseGateRecord, startRecord, type GateIntent, type GateRecord } from './gate-policy.js'
import { gatePoint } from './gate-point.js'
import { GateStageStore, type GateRouteStage, type GateStageSettings } from './gate-stage-store.js'
import type { GateWebhook } from './gate-webhook.js'
import { judgeWindow } from './judge-window.js'

/**
 * The cut-over to `final` once the last step passed and `autoPromote` is on; `done` only when the
 * route moved. The default asks the gateways through Redis for their coordinated cut-over (hold the
 * route's requests, flip every instance) and waits, bounded, for its outcome.
 */
export type GatePromote = (route: RouteConfig, reason: string) => Promise<GatePromotion>

export interface GateEvaluatorOptions {
  /** Commands only; the evaluator never closes it. */
  readonly redis: RedisClient
  readonly prefix: string
  /** Every route of the config; those without a gate are left alone. */
  readonly routes: readonly RouteConfig[]
  /** Who acts: the lease holder's id, the `by` of the stage changes it makes and the InfluxDB `instance`. */
  readonly id: string
  readonly logger: Logger
  readonly metrics: GateMetrics
  readonly webhook: GateWebhook
  readonly writer?: InfluxWriter | undefined
  readonly now?: () => number
  readonly leaseTtlMs?: number
  /** Time between rounds; default half the shortest gate interval, at most 5 s. */
  readonly tickMs?: number
  /** How long after a window ends before it is judged, so late verdicts and gateway flushes land in it. */
  readonly settleMs?: number
  readonly promote?: GatePromote
  /** The fleet's cut-over settings: they bound the wait for an outcome, and a failed cut-over is retried once per `minTimeBetweenFlipsMs`. */
  readonly cutover?: Pick<CutoverConfig, 'ackTimeoutMs' | 'maxPauseMs' | 'minTimeBetweenFlipsMs'>
  /** How long a gateway has to take the gate's cut-over request (default 5 s). */
  readonly cutoverTakeTimeoutMs?: number
}

export const DEFAULT_CUTOVER_TAKE_TIMEOUT_MS = 5_000
/** Past the coordinator's own bounds, what the outcome may take (its report grace, its Redis commands). */
const CUTOVER_RUN_MARGIN_MS = 5_000

export const DEFAULT_GATE_LEASE_TTL_MS = 15_000
const MAX_TICK_MS = 5_000
const MAX_SETTLE_MS = 5_000
/** How long a route's last decision is kept after the gate stops writing it. */
const LAST_DECISION_TTL_MS = 7 * 86_400_000
const INTENT_VERB: Readonly<Record<GateIntent['kind'], string>> = { none: '', step: 'step up', rollback: 'roll back', promote: 'promote', propose: 'propose' }

type Gated = RouteConfig & { readonly gate: RouteGateConfig }

/**
 * The gate's evaluator. It runs in every audit worker; a Redis lease decides which one acts. Each
 * round the holder reads, for every gated route, its stage and the figures of the last settled
 * window, judges the window, records the decision (Redis `gateLastKey`, InfluxDB `shadowgate_gate`,
 * the log and metrics) and, when the decision asks for it and `auto` is on, moves the stage.
 */
export class GateEvaluator {
  readonly #o: GateEvaluatorOptions
  readonly #routes: readonly Gated[]
  readonly #lease: GateLease
  readonly #stages: GateStageStore
  readonly #now: () => number
  readonly #tickMs: number
  readonly #requester: GateCutoverRequester
  readonly #retryMs: number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #closed = false

  constructor(o: GateEvaluatorOptions) {
    this.#o = o
    this.#routes = o.routes.filter((r): r is Gated => r.gate !== undefined)
    this.#lease = new GateLease(o.redis, o.prefix, o.id, o.leaseTtlMs ?? DEFAULT_GATE_LEASE_TTL_MS)
    this.#stages = new GateStageStore(o.redis, o.prefix)
    this.#now = o.now ?? Date.now
    const shortest = Math.min(...this.#routes.map((r) => r.gate.intervalMs))
    this.#tickMs = o.tickMs ?? Math.max(50, Math.min(MAX_TICK_MS, shortest / 2))
    const c = o.cutover ?? { ackTimeoutMs: DEFAULT_CUTOVER_ACK_TIMEOUT_MS, maxPauseMs: DEFAULT_CUTOVER_MAX_PAUSE_MS, minTimeBetweenFlipsMs: DEFAULT_CUTOVER_MIN_TIME_BETWEEN_FLIPS_MS }
    this.#retryMs = c.minTimeBetweenFlipsMs
    this.#requester = new GateCutoverRequester({
      redis: o.redis,
      prefix: o.prefix,
      takeTimeoutMs: o.cutoverTakeTimeoutMs ?? DEFAULT_CUTOVER_TAKE_TIMEOUT_MS,
      runTimeoutMs: c.ackTimeoutMs + c.maxPauseMs + CUTOVER_RUN_MARGIN_MS,
      // The wait may outlast the lease's ttl: the holder keeps it meanwhile.
      keepAlive: () => this.#lease.acquire(),
    })
  }

  /** Starts the rounds (timer, unref'd). */
  start(): void {
    if (this.#closed || this.#timer || this.#routes.length === 0) return
    const loop = (): void => {
      this.#running = this.tick().finally(() => {
        this.#running = undefined
        if (!this.#closed) this.#timer = setTimeout(loop, this.#tickMs).unref()
      })
    }
    this.#timer = setTimeout(loop, 0).unref()
  }

  /** One round: take or renew the lease, then judge every gated route if this worker holds it. Never throws. */
  async tick(): Promise<void> {
    if (this.#closed) return
    const leader = await this.#lease.acquire()
    this.#o.metrics.leader(leader)
    if (!leader) return
    for (const route of this.#routes) {
      try {
        await this.#evaluate(route)
      } catch (err) {
        this.#o.metrics.error(route.name)
        this.#o.logger.warn({ route: route.name, err: (err as Error).message, code: (err as { code?: unknown }).code }, 'gate evaluation failed; retried next round')
      }
    }
  }

  /** Stops the rounds and gives up the lease. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#requester.close()
    await this.#running?.catch(() => undefined)
    await this.#lease.release()
  }

  async #evaluate(route: Gated): Promise<void> {
    const cfg = route.gate
    const now = this.#now()
    const seen = await this.#stages.read(route)
    const prev = parseGateRecord(await this.#o.redis.get(gateLastKey(this.#o.prefix, route.name)), route.name)
    if (prev === undefined || prev.stage !== seen.stage || prev.serve !== seen.serve) {
      const reason = seen.stage === 'canary' ? `watching the canary at serve ${seen.serve}%: windows from now on count for this step` : `the route is in ${seen.stage}; the gate acts in canary`
      await this.#save(startRecord(route.name, seen.stage, seen.serve, now, reason))
      return
    }
    if (seen.stage !== 'canary') return
    const settle = this.#o.settleMs ?? Math.min(MAX_SETTLE_MS, cfg.intervalMs / 2)
    const windowStart = gateWindowStart(now - settle, cfg.intervalMs) - cfg.intervalMs
    if (windowStart < prev.stepStartedAt || (prev.lastWindow !== null && windowStart <= prev.lastWindow)) return
    const figures = parseGateFigures(await this.#o.redis.hgetall(gateFiguresKey(this.#o.prefix, route.name, windowStart)))
    const { record, intent } = decideWindow(prev, windowStart, windowStart + cfg.intervalMs, judgeWindow(figures, cfg, seen.serve), cfg, now)
    const { record: final, to, quiet } = await this.#act(route, seen, record, intent)
    await this.#save(final)
    // A cut-over waiting for its next try is a plain hold: no webhook every window.
    this.#report(route, final, quiet === true ? { kind: 'none' } : intent, to)
  }

  async #act(route: Gated, seen: GateRouteStage, record: GateRecord, intent: GateIntent): Promise<{ record: GateRecord; to?: GateStageSettings; quiet?: boolean }> {
    if (intent.kind === 'none' || intent.kind === 'propose') return { record }
    if (!route.gate.auto) return { record: { ...record, reason: `would ${INTENT_VERB[intent.kind]} (auto is off): ${record.reason}` } }
    // A holder that stalled past its lease during this round leaves the move to the new holder.
    if (!this.#lease.held()) return { record: { ...record, reason: `lease lost before acting, nothing done: ${record.reason}` } }
    if (intent.kind === 'promote') {
      const tried = record.promoteTriedAt
      if (tried !== null && record.at - tried < this.#retryMs) {
        const next = new Date(tried + this.#retryMs).toISOString()
        return { quiet: true, record: { ...record, decision: 'hold', reason: `the cut-over tried at ${new Date(tried).toISOString()} did not happen; the next try is after ${next} (cutover.minTimeBetweenFlips): ${record.reason}` } }
      }
      const p = await (this.#o.promote ?? this.#promote)(route, record.reason)
      const attempted = { ...record, promoteTriedAt: record.at }
      return p.done ? { record: { ...attempted, acted: true, reason: `${record.reason}; ${p.why}` } } : { record: { ...attempted, reason: `the cut-over did not happen: ${p.why} (${record.reason})` } }
    }
    const to = await this.#stages.apply(route, seen, intent.kind === 'step' ? { kind: 'step', serve: intent.serve } : { kind: 'rollback' }, record.reason, `gate:${this.#o.id}`, record.at)
    if (to === undefined) return { record: { ...record, reason: `the stage changed meanwhile, nothing done: ${record.reason}` } }
    return { record: { ...record, acted: true }, to }
  }

  /** The default cut-over: the gateways' coordinated one, asked through Redis. */
  readonly #promote: GatePromote = (route, reason) => this.#requester.request(route.name, reason, `gate:${this.#o.id}`)

  async #save(record: GateRecord): Promise<void> {
    await this.#o.redis.set(gateLastKey(this.#o.prefix, record.route), JSON.stringify(record), 'PX', LAST_DECISION_TTL_MS)
  }

  #report(route: Gated, r: GateRecord, intent: GateIntent, to: GateStageSettings | undefined): void {
    const cfg = route.gate
    const held = r.decision === 'hold' && r.inconclusiveStreak >= cfg.inconclusiveLimit
    this.#o.metrics.decision(route.name, r.decision, held)
    const points = [gatePoint(r)]
    if (to !== undefined) {
      points.push(stagePoint({ route: route.name, action: intent.kind === 'rollback' ? 'rollback' : 'stage', from: r.stage, stage: to.stage, servePercent: to.serve, mirrorPercent: to.mirror, instance: this.#o.id, who: 'gate', reason: r.reason, at: r.at }))
    }
    this.#o.writer?.write(points)
    const log = { route: route.name, stage: r.stage, serve: r.serve, decision: r.decision, acted: r.acted, reason: r.reason, figures: r.figures }
    if (r.decision === 'rollback' || r.decision === 'hold') this.#o.logger.warn(log, `gate: ${r.decision}`)
    else if (r.decision === 'promote') this.#o.logger.info(log, 'gate: promote')
    else this.#o.logger.debug(log, `gate: ${r.decision}`)
    if (cfg.webhook !== undefined && intent.kind !== 'none') {
      this.#o.webhook.send(cfg.webhook, cfg.webhookTimeoutMs, { route: route.name, decision: r.decision, action: intent.kind, acted: r.acted, stage: r.stage, serve: r.serve, reason: r.reason, at: new Date(r.at).toISOString(), figures: r.figures })
    }
  }
}
