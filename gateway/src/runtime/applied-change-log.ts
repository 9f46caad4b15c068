import type { Logger } from 'pino'
import type { RouteState } from './route-state.js'
import type { RuntimeChangeSource } from './runtime-store.js'

/**
 * Logs a change of the route's percent in force that this instance applied, as of `now`: a load ramp's
 * step or end, or a change made elsewhere (another instance, a ttl). Changes made through this
 * instance's own calls are logged by those calls, with their caller.
 */
export function logAppliedChange(logger: Logger, state: RouteState, old: number, source: RuntimeChangeSource, now: number): void {
  const { stored } = state
  const route = state.config.name
  const load = stored?.load
  if (source === 'load' && old !== state.percent) {
    const running = load?.state === 'running'
    logger.info({ route, old, new: state.percent, to: load?.to ?? null, source }, running ? 'load ramp step' : 'load ramp over: the route returns to its previous percent')
    return
  }
  if (old === state.percent || source === 'admin') return
  const expired = stored?.expiresAt != null && stored.expiresAt <= now
  logger.info(
    {
      route,
      old,
      new: state.percent,
      ttlMs: stored?.expiresAt != null && !expired ? stored.expiresAt - (stored.updatedAt || now) : null,
      expiresAt: stored?.expiresAt != null ? new Date(stored.expiresAt).toISOString() : null,
      revertTo: stored?.revertTo ?? null,
      by: stored?.by ?? null,
      source,
    },
    source === 'ttl' ? 'mirror percent reverted after its ttl' : stored === null ? 'mirror percent reset to the config file' : 'mirror percent changed',
  )
}
