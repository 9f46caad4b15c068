import type { MigrationStage } from '@shadowgate/shared'

/**
 * What the proxy and the mirror read about a route on every request. It is runtime state, not
 * config: the admin API, Redis and (later) migration modes change it while the gateway serves.
 * Implementations must answer in O(1) from memory; they are on the hot path.
 */
export interface RouteSettingsSource {
  /** Current mirror percent (0–100, fractional allowed) of the route. */
  mirrorPercent(route: string): number
  /** The route's old side: it serves every request that is not a read, and reads until the stage says otherwise. */
  primary(route: string): string
  /** The route's new side, if any: it receives copies, and serves reads in `canary` (a share) and `final`. */
  shadow(route: string): string | undefined
  /** Migration stage of the route; a source without stages leaves it out (`shadow`: today's behaviour). */
  stage?(route: string): MigrationStage
  /** Percent of reads the new side serves when the route is in `canary`. */
  servePercent?(route: string): number
}
