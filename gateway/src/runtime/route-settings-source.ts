/**
 * What the proxy and the mirror read about a route on every request. It is runtime state, not
 * config: the admin API, Redis and (later) migration modes change it while the gateway serves.
 * Implementations must answer in O(1) from memory; they are on the hot path.
 */
export interface RouteSettingsSource {
  /** Current mirror percent (0–100, fractional allowed) of the route. */
  mirrorPercent(route: string): number
  /** Upstream that serves the client for this route now. */
  primary(route: string): string
  /** Upstream that receives copies for this route now, if any. */
  shadow(route: string): string | undefined
}
