import { RuntimeStoreUnavailableError } from '../errors.js'
import type { RouteState } from './route-state.js'
import type { RuntimeStore } from './runtime-store.js'
import { decodeStoredSetting, encodeStoredSetting, type StoredMirrorSetting } from './stored-mirror-setting.js'

const MAX_CAS_ATTEMPTS = 5

/** A stored change that was written: the value before and after, at `now`. */
export interface SettingUpdate {
  readonly current: StoredMirrorSetting | null
  readonly wanted: StoredMirrorSetting | null
  readonly now: number
}

export interface StoredSettingWriterOptions {
  /** The fleet-wide store; without one, the value this instance holds is the only one. */
  readonly store: RuntimeStore | undefined
  readonly now: () => number
  readonly maxPercent: number
  /** Applies a written value on this instance at once, before its announcement comes back. */
  readonly apply: (route: string, raw: string | null) => void
}

/** Compare-and-set of one route's stored setting, retried while other instances write it. */
export class StoredSettingWriter {
  readonly #opts: StoredSettingWriterOptions

  constructor(opts: StoredSettingWriterOptions) {
    this.#opts = opts
  }

  /**
   * Compare-and-sets the route's stored value to what `next` makes of the current one (read from the
   * store) and applies it here; `next` returning undefined leaves it as it is (nothing written, undefined
   * returned). `logEntry` is appended to the change log in the same atomic step.
   */
  update(state: RouteState, next: (current: StoredMirrorSetting | null, now: number) => StoredMirrorSetting | null, logEntry?: () => string | undefined): Promise<SettingUpdate>
  update(state: RouteState, next: (current: StoredMirrorSetting | null, now: number) => StoredMirrorSetting | null | undefined, logEntry?: () => string | undefined): Promise<SettingUpdate | undefined>
  async update(
    state: RouteState,
    next: (current: StoredMirrorSetting | null, now: number) => StoredMirrorSetting | null | undefined,
    logEntry?: () => string | undefined,
  ): Promise<SettingUpdate | undefined> {
    const route = state.config.name
    const { store, now: clock, maxPercent, apply } = this.#opts
    for (let attempt = 0; attempt < (store ? MAX_CAS_ATTEMPTS : 1); attempt++) {
      const currentRaw = store ? await store.get(route) : state.raw
      const current = currentRaw === null ? null : (decodeStoredSetting(currentRaw, maxPercent) ?? null)
      const now = clock()
      const wanted = next(current, now)
      if (wanted === undefined) return undefined
      const wantedRaw = wanted === null ? null : encodeStoredSetting(wanted)
      if (store && !(await store.compareAndSet(route, currentRaw, wantedRaw, logEntry?.()))) continue
      apply(route, wantedRaw)
      return { current, wanted, now }
    }
    throw new RuntimeStoreUnavailableError(`route "${route}" kept changing while this change was being made; nothing was changed, try again`)
  }
}
