import { pino, type Logger } from 'pino'
import type { MigrationStage, ShadowgateConfig } from '@shadowgate/shared'
import { InvalidSettingError, PercentAboveMaximumError, StageNeedsRedisError, UnknownRouteError } from '../errors.js'
import type { FaultCounters } from '../metrics/fault-counters.js'
import { logAppliedChange } from './applied-change-log.js'
import { reportHandlerError, type HandlerGuard } from './guard-handler.js'
import { mirrorTtlProblem } from './mirror-ttl.js'
import type { LoadRamp } from './load-ramp.js'
import { startedSetting, stoppedSetting, type LoadStart, type LoadStop } from './load-start.js'
import { mirrorChange, routeRuntimeView, type MirrorChange, type RouteRuntimeView } from './route-runtime-view.js'
import { effectivePercent, initialRouteState, lastingPercent, type RouteState } from './route-state.js'
import type { RouteSettingsSource } from './route-settings-source.js'
import type { RuntimeChangeSource, RuntimeStore, RuntimeStoreSink } from './runtime-store.js'
import { ScheduledChanges } from './scheduled-changes.js'
import { checkReason, checkStageMove, currentStageSettings, movedSetting, parseStageLog, rolledBackSetting, stageChangeJson, type StageChange } from './stage-move.js'
import { decodeStoredSetting, type StoredMirrorSetting } from './stored-mirror-setting.js'
import { StoredSettingWriter } from './stored-setting-writer.js'
import type { StageSettings } from './stored-stage.js'

export type { MirrorChange, RouteRuntimeView } from './route-runtime-view.js'

export interface RuntimeSettingsOptions {
  readonly logger?: Logger
  /** Shared store (Redis, or the cluster primary) that makes changes fleet-wide; default: this process only. */
  readonly store?: RuntimeStore
  readonly now?: () => number
  /** Where rejected stored values and failed handlers are counted (the process's Prometheus registry). */
  readonly faults?: FaultCounters
  /** Called with every stage change this instance makes (not those it applies from others): InfluxDB records them. */
  readonly onStageChange?: (change: StageChange) => void
}

/** Change-log entries read to find one route's newest ones. */
const MAX_STAGE_LOG_READ = 1_000

/**
 * The runtime route settings every request reads (O(1), from memory) and the admin API changes.
 * With a store, the store is the source of truth: changes are compare-and-set there and applied by
 * every instance from its announcement; a temporary change is reverted by whichever instance sees
 * its expiry first, with a deterministic value so every instance's revert is the same write.
 */
export class RuntimeSettings implements RouteSettingsSource, RuntimeStoreSink {
  readonly #config: ShadowgateConfig
  readonly #routes = new Map<string, RouteState>()
  readonly #logger: Logger
  readonly #store: RuntimeStore | undefined
  readonly #now: () => number
  readonly #guard: HandlerGuard
  readonly #listeners = new Set<(route: string, raw: string | null) => void>()
  /** Highest percent a runtime change may set: mirror.maxAmplification copies per request. */
  readonly maxPercent: number
  readonly #onStageChange: ((change: StageChange) => void) | undefined
  readonly #writer: StoredSettingWriter
  readonly #scheduled: ScheduledChanges
  #closed = false

  constructor(config: ShadowgateConfig, opts: RuntimeSettingsOptions = {}) {
    this.#config = config
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    this.#store = opts.store
    this.#now = opts.now ?? Date.now
    this.#guard = { logger: this.#logger, faults: opts.faults }
    this.maxPercent = config.mirror.maxAmplification * 100
    this.#onStageChange = opts.onStageChange
    for (const route of config.routes) this.#routes.set(route.name, initialRouteState(route))
    this.#writer = new StoredSettingWriter({ store: this.#store, now: this.#now, maxPercent: this.maxPercent, apply: (route, raw) => this.applyStored(route, raw, 'admin') })
    this.#scheduled = new ScheduledChanges({
      store: this.#store,
      now: this.#now,
      logger: this.#logger,
      guard: this.#guard,
      closed: () => this.#closed,
      apply: (route, raw, source) => this.applyStored(route, raw, source),
      step: (state) => this.#refresh(state, 'load'),
    })
  }

  /** Reads the stored values (bounded wait) and keeps following the store. Without a store: nothing to do. */
  async start(): Promise<void> {
    await this.#store?.start(this)
  }

  mirrorPercent(route: string): number {
    return this.#routes.get(route)?.percent ?? 0
  }

  primary(route: string): string {
    return this.#routes.get(route)?.config.primary ?? this.#config.primary
  }

  shadow(route: string): string | undefined {
    const state = this.#routes.get(route)
    return state ? state.config.shadow : this.#config.shadow
  }

  stage(route: string): MigrationStage {
    return this.#routes.get(route)?.stage ?? 'shadow'
  }

  servePercent(route: string): number {
    return this.#routes.get(route)?.serve ?? 0
  }

  hasRoute(route: string): boolean {
    return this.#routes.has(route)
  }

  /**
   * Re-reads one route's stored value and applies it: a cut-over serves released requests only once
   * this instance runs the committed stage, without waiting for the announcement on its own channel.
   */
  async refresh(route: string): Promise<void> {
    this.#state(route)
    if (this.#store !== undefined) this.applyStored(route, await this.#store.get(route), 'fleet')
  }

  /** `disabled` without a store; otherwise whether the store is reachable. */
  storeState(): 'disabled' | 'connected' | 'disconnected' {
    if (!this.#store) return 'disabled'
    return this.#store.connected() ? 'connected' : 'disconnected'
  }

  list(): RouteRuntimeView[] {
    return [...this.#routes.values()].map((s) => routeRuntimeView(s, this.#now()))
  }

  view(route: string): RouteRuntimeView {
    return routeRuntimeView(this.#state(route), this.#now())
  }

  /** The route's load ramp (running or the last one that ended), or null. */
  loadRamp(route: string): LoadRamp | null {
    return this.#state(route).stored?.load ?? null
  }

  /** The stored overrides in force (route -> encoded setting), for handing the state to a new cluster worker. */
  storedValues(): Map<string, string> {
    const out = new Map<string, string>()
    for (const [name, s] of this.#routes) if (s.raw !== null) out.set(name, s.raw)
    return out
  }

  /** Called with every stored value this instance applies (the cluster primary forwards them to workers). */
  onChange(listener: (route: string, raw: string | null) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Sets a route's mirror percent, for `ttlMs` or until changed again. A temporary change reverts to
   * the last lasting percent, so stacked temporary changes never leave a temporary value behind.
   */
  async setMirror(route: string, percent: number, opts: { ttlMs?: number | undefined; by?: string | undefined } = {}): Promise<MirrorChange> {
    const state = this.#state(route)
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0) {
      throw new InvalidSettingError(`percent must be a number between 0 and ${this.maxPercent} (got ${JSON.stringify(percent)})`)
    }
    if (percent > this.maxPercent) throw new PercentAboveMaximumError(percent, this.maxPercent)
    const ttlMs = opts.ttlMs
    const ttlProblem = ttlMs === undefined ? undefined : mirrorTtlProblem(ttlMs)
    if (ttlProblem !== undefined) throw new InvalidSettingError(ttlProblem)
    const by = opts.by ?? 'admin'
    // A running ramp keeps running: the change sets the percent the route returns to afterwards.
    return await this.#change(state, (current, now) => {
      const { load, migration } = current ?? {}
      if (ttlMs === undefined) return { percent, expiresAt: null, revertTo: null, updatedAt: now, by, load, migration }
      return { percent, expiresAt: now + ttlMs, revertTo: lastingPercent(state, current), updatedAt: now, by, load, migration }
    })
  }

  /**
   * Starts a load ramp on a route, fleet-wide: from the percent in force, `step` more every `everyMs`
   * up to `to`, for at most `maxDurationMs`; then (or on `load stop`, or a brake) the route returns to
   * its previous percent. Refused while another ramp runs on the route, and in the stages passthrough
   * and final (there is no copy to the new side to amplify).
   */
  async startLoad(route: string, start: LoadStart): Promise<LoadRamp> {
    const state = this.#state(route)
    const ctx = { shadow: this.shadow(route), maxPercent: this.maxPercent, configPercent: state.config.mirror.percent }
    const update = await this.#writer.update(state, (current, now) =>
      startedSetting(route, start, current, now, { ...ctx, from: effectivePercent(state, current, now), stage: current?.migration?.stage ?? state.config.stage }),
    )
    const load = update?.wanted?.load as LoadRamp
    this.#logger.info({ route, ...load, startedAt: new Date(load.startedAt).toISOString(), source: 'admin' }, 'load ramp started')
    return load
  }

  /**
   * Ends the route's running ramp (idempotent: when none runs, nothing is written and `stopped` is
   * false). Any instance may call it, for a brake too: the compare-and-set lets exactly one end win.
   */
  async stopLoad(route: string, stop: LoadStop): Promise<{ readonly stopped: boolean; readonly load: LoadRamp | null }> {
    const state = this.#state(route)
    const update = await this.#writer.update(state, (current, now) => stoppedSetting(current, now, stop))
    const load = update?.wanted?.load ?? state.stored?.load ?? null
    if (update !== undefined && load !== null) {
      const log = { route, state: load.state, reason: load.stopReason, percent: load.stoppedPercent, returnsTo: this.mirrorPercent(route), figures: load.figures, by: stop.by, source: 'admin' }
      if (stop.state === 'braked') this.#logger.warn(log, 'load ramp braked: the route returns to its previous percent')
      else this.#logger.info(log, 'load ramp stopped: the route returns to its previous percent')
    }
    return { stopped: update !== undefined, load }
  }

  /**
   * Removes the runtime mirror override of a route: the config file's percent applies again, on every
   * instance, and a load ramp on the route is removed with it. A stage set at run time stays (a stage
   * is changed by a stage move or a rollback).
   */
  async resetMirror(route: string, opts: { by?: string | undefined } = {}): Promise<MirrorChange> {
    const state = this.#state(route)
    const by = opts.by ?? 'admin'
    return await this.#change(state, (current, now) => {
      const migration = current?.migration
      return migration === undefined ? null : { percent: state.config.mirror.percent, expiresAt: null, revertTo: null, updatedAt: now, by, migration }
    }, by)
  }

  /**
   * Moves a route to a stage, fleet-wide, with compare-and-set semantics: with `expected`, only if the
   * route is in that stage now (what a cut-over coordinator uses to flip a route's serving side
   * atomically). Refused without a fleet-wide store: one instance serving another side than the rest
   * would be a split fleet. The change is logged in Redis in the same atomic step.
   */
  async setStage(route: string, stage: unknown, opts: { serve?: unknown; mirror?: unknown; expected?: unknown; reason: unknown; by?: string | undefined }): Promise<StageChange> {
    const state = this.#state(route)
    const req = checkStageMove({ stage, serve: opts.serve, mirror: opts.mirror, expected: opts.expected, reason: opts.reason })
    const by = opts.by ?? 'admin'
    return await this.#moveStage(state, 'stage', req.reason, by, (current, from, now) => movedSetting(route, state.config, current, from, req, now, by))
  }

  /** Moves a route one stage back, restoring that stage's settings exactly; refused when there is none. */
  async rollbackStage(route: string, opts: { reason: unknown; by?: string | undefined }): Promise<StageChange> {
    const state = this.#state(route)
    const reason = checkReason(opts.reason)
    const by = opts.by ?? 'admin'
    return await this.#moveStage(state, 'rollback', reason, by, (current, from, now) => rolledBackSetting(route, current, from, now, by))
  }

  /** The gate's last decision on a route as stored (untrusted text), or null: none, no gate, or no store. */
  async gateDecision(route: string): Promise<string | null> {
    return (await this.#store?.gateDecision?.(route)) ?? null
  }

  /** The newest stage changes of the fleet (all routes, or one), newest first; empty without a store. */
  async stageLog(opts: { route?: string | undefined; limit?: number } = {}): Promise<Record<string, unknown>[]> {
    return parseStageLog((await this.#store?.recentLog?.(MAX_STAGE_LOG_READ)) ?? [], opts.route, opts.limit ?? 20)
  }

  applyStored(route: string, raw: string | null, source: RuntimeChangeSource): void {
    const state = this.#routes.get(route)
    if (!state || this.#closed || raw === state.raw) return
    const stored = raw === null ? null : decodeStoredSetting(raw, this.maxPercent)
    if (stored === undefined) {
      // Once per distinct value: the poll re-reads the same bad value every few seconds.
      if (raw !== state.invalidRaw) {
        this.#guard.faults?.rejectedValue(source)
        this.#logger.warn({ route, value: raw?.slice(0, 500), source }, 'ignoring an invalid stored runtime setting')
      }
      state.invalidRaw = raw ?? undefined
      return
    }
    this.#scheduled.cancel(state)
    state.raw = raw
    state.stored = stored
    this.#refresh(state, source)
    for (const l of this.#listeners) {
      try {
        l(route, raw)
      } catch (err) {
        reportHandlerError(this.#guard, 'runtime-change-listener', err)
      }
    }
  }

  /** Recomputes the percent in force from the stored value and the clock, and schedules its next change. */
  #refresh(state: RouteState, source: RuntimeChangeSource): void {
    const { raw, stored } = state
    const old = state.percent
    const now = this.#now()
    state.percent = effectivePercent(state, stored, now)
    const oldStage = state.stage
    state.stage = stored?.migration?.stage ?? state.config.stage
    state.serve = stored?.migration?.serve ?? state.config.serve.percent
    if (oldStage !== state.stage && source !== 'admin') {
      this.#logger.info({ route: state.config.name, old: oldStage, new: state.stage, serve: state.serve, by: stored?.by ?? null, source }, 'migration stage changed')
    }
    if (raw !== null && stored !== null) this.#scheduled.plan(state, raw, stored, now)
    logAppliedChange(this.#logger, state, old, source, now)
  }

  applySnapshot(values: ReadonlyMap<string, string>, skip: ReadonlySet<string>, source: RuntimeChangeSource): void {
    for (const name of this.#routes.keys()) {
      if (!skip.has(name)) this.applyStored(name, values.get(name) ?? null, source)
    }
  }

  /** Idempotent: stops the expiry timers; the store (if any) belongs to whoever created it. */
  close(): void {
    this.#closed = true
    for (const s of this.#routes.values()) this.#scheduled.cancel(s)
    this.#listeners.clear()
  }

  #state(route: string): RouteState {
    const s = this.#routes.get(route)
    if (!s) throw new UnknownRouteError(route)
    return s
  }

  async #moveStage(
    state: RouteState,
    action: StageChange['action'],
    reason: string,
    by: string,
    next: (current: StoredMirrorSetting | null, from: StageSettings, now: number) => { wanted: StoredMirrorSetting; to: StageSettings },
  ): Promise<StageChange> {
    if (this.#store === undefined) throw new StageNeedsRedisError()
    const route = state.config.name
    let change: StageChange | undefined
    await this.#writer.update(
      state,
      (current, now) => {
        const from = currentStageSettings(state.config, current, lastingPercent(state, current))
        const { wanted, to } = next(current, from, now)
        change = { route, action, from, to, at: now, by, reason }
        return wanted
      },
      () => (change === undefined ? undefined : JSON.stringify(stageChangeJson(change))),
    )
    if (change === undefined) throw new Error('unreachable: a committed stage move has its change')
    this.#logger.info({ ...stageChangeJson(change), source: 'admin' }, action === 'rollback' ? 'migration stage rolled back' : 'migration stage changed')
    try {
      this.#onStageChange?.(change)
    } catch (err) {
      reportHandlerError(this.#guard, 'stage-change-listener', err)
    }
    return change
  }

  async #change(state: RouteState, next: (current: StoredMirrorSetting | null, now: number) => StoredMirrorSetting | null, resetBy?: string): Promise<MirrorChange> {
    const update = await this.#writer.update(state, next)
    const change = mirrorChange(state, update, resetBy)
    this.#logger.info(
      { ...change, at: new Date(change.at).toISOString(), expiresAt: change.expiresAt === null ? null : new Date(change.expiresAt).toISOString(), source: 'admin' },
      update.wanted === null ? 'mirror percent reset to the config file' : 'mirror percent changed',
    )
    return change
  }
}
