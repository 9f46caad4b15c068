import type { MigrationStage, ShadowgateConfig } from '@shadowgate/shared'
import type { RouteSettingsSource } from '../runtime/route-settings-source.js'

interface RouteValues {
  readonly percent: number
  readonly primary: string
  readonly shadow: string | undefined
  readonly stage: MigrationStage
  readonly serve: number
}

/**
 * Route settings fixed at the values of the config: what the gateway uses when no runtime source
 * (admin API, Redis) is plugged in. A name that is not a rule answers like an unmatched request:
 * global primary, no shadow, nothing mirrored.
 */
export class StaticRouteSettings implements RouteSettingsSource {
  readonly #routes: ReadonlyMap<string, RouteValues>
  readonly #primary: string

  constructor(config: ShadowgateConfig) {
    this.#primary = config.primary
    this.#routes = new Map(config.routes.map((r) => [r.name, { percent: r.mirror.percent, primary: r.primary, shadow: r.shadow, stage: r.stage, serve: r.serve.percent }]))
  }

  mirrorPercent(route: string): number {
    return this.#routes.get(route)?.percent ?? 0
  }

  primary(route: string): string {
    return this.#routes.get(route)?.primary ?? this.#primary
  }

  shadow(route: string): string | undefined {
    return this.#routes.get(route)?.shadow
  }

  stage(route: string): MigrationStage {
    return this.#routes.get(route)?.stage ?? 'shadow'
  }

  servePercent(route: string): number {
    return this.#routes.get(route)?.serve ?? 0
  }
}
