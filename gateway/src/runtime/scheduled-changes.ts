import type { Logger } from 'pino'
import { MAX_TIMER_MS } from '@shadowgate/shared'
import { guardHandler, type HandlerGuard } from './guard-handler.js'
import { endedRamp, nextRampChange } from './load-ramp.js'
import type { RouteState } from './route-state.js'
import type { RuntimeStore } from './runtime-store.js'
import { encodeStoredSetting, type StoredMirrorSetting } from './stored-mirror-setting.js'

export interface ScheduledChangesOptions {
  readonly store: RuntimeStore | undefined
  readonly now: () => number
  readonly logger: Logger
  readonly guard: HandlerGuard
  /** Whether the settings were closed: nothing fires after that. */
  readonly closed: () => boolean
  /** Applies a value this instance wrote on a schedule, at once. */
  readonly apply: (route: string, raw: string, source: 'ttl' | 'load') => void
  /** Recomputes the percent of a route whose ramp takes its next step (nothing to write). */
  readonly step: (state: RouteState) => void
}

/**
 * The changes a stored value makes by itself as time passes: a temporary percent that expires, a load
 * ramp's steps and its end at its max duration. Each is due at a time that depends only on the stored
 * value, so every instance makes the same change, and the compare-and-set lets one write win.
 */
export class ScheduledChanges {
  readonly #opts: ScheduledChangesOptions

  constructor(opts: ScheduledChangesOptions) {
    this.#opts = opts
  }

  /** Plans the next change of a stored value just applied: at once when it is due, else on a timer. */
  plan(state: RouteState, raw: string, stored: StoredMirrorSetting, now: number): void {
    const { guard } = this.#opts
    const load = stored.load
    const expired = stored.expiresAt != null && stored.expiresAt <= now
    const rampOver = load?.state === 'running' && now >= load.endsAt
    if (expired) queueMicrotask(guardHandler(guard, 'runtime-expiry', () => this.#expire(state, raw)))
    else if (rampOver) queueMicrotask(guardHandler(guard, 'load-end', () => this.#endRamp(state, raw)))
    else {
      const at = Math.min(stored.expiresAt ?? Infinity, load === undefined ? Infinity : (nextRampChange(load, now) ?? Infinity))
      if (at !== Infinity) this.#schedule(state, raw, at)
    }
  }

  /** Drops the route's planned change: its stored value changed, or the settings closed. */
  cancel(state: RouteState): void {
    clearTimeout(state.timer)
    state.timer = undefined
  }

  /** Reverts at `expiresAt`; a ttl longer than a timer holds (MAX_TIMER_MS) is waited for in steps. */
  #schedule(state: RouteState, raw: string, expiresAt: number): void {
    const { now, guard, closed } = this.#opts
    const delay = Math.max(0, expiresAt - now())
    const fire = guardHandler(guard, 'runtime-expiry', () => {
      state.timer = undefined
      if (closed() || state.raw !== raw) return
      const stored = state.stored
      if (now() < expiresAt) this.#schedule(state, raw, expiresAt)
      else if (stored?.expiresAt != null && stored.expiresAt <= now()) this.#expire(state, raw)
      else if (stored?.load?.state === 'running' && stored.load.endsAt <= now()) this.#endRamp(state, raw)
      else this.#opts.step(state)
    })
    state.timer = setTimeout(fire, Math.min(delay, MAX_TIMER_MS))
    state.timer.unref()
  }

  /**
   * Reverts an expired temporary change: locally at once (so the revert happens even while the store is
   * down), then in the store with a compare-and-set on the expired value. The reverted value depends only
   * on the expired one, so every instance writes the same bytes and the revert is idempotent fleet-wide.
   */
  #expire(state: RouteState, expiredRaw: string): void {
    if (this.#opts.closed() || state.raw !== expiredRaw || !state.stored || state.stored.expiresAt === null) return
    const expired = state.stored
    const percent = expired.revertTo ?? state.config.mirror.percent
    this.#replace(state, expiredRaw, { percent, expiresAt: null, revertTo: null, updatedAt: expired.expiresAt ?? this.#opts.now(), by: 'ttl', load: expired.load, migration: expired.migration }, 'ttl')
  }

  /** Ends a ramp that reached its max duration, the same way: its end depends only on the stored ramp. */
  #endRamp(state: RouteState, rampRaw: string): void {
    const { stored } = state
    const load = stored?.load
    if (this.#opts.closed() || state.raw !== rampRaw || !stored || load?.state !== 'running') return
    this.#replace(state, rampRaw, { ...stored, load: endedRamp(load, 'expired', load.endsAt, 'max duration reached') }, 'load')
  }

  /** Applies `next` here at once, then compare-and-sets it in the store over `fromRaw`. */
  #replace(state: RouteState, fromRaw: string, next: StoredMirrorSetting, source: 'ttl' | 'load'): void {
    const raw = encodeStoredSetting(next)
    this.#opts.apply(state.config.name, raw, source)
    this.#opts.store?.compareAndSet(state.config.name, fromRaw, raw).catch((err: unknown) => {
      // Another instance, or this one after reconnecting, writes the same value.
      this.#opts.logger.debug({ route: state.config.name, err, source }, 'could not store a scheduled runtime change now')
    })
  }
}
