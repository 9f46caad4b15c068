import type { RouteSettingsSource } from '../../../gateway/src/runtime/route-settings-source.js'

/** Runtime settings whose percent a test turns, as the admin API would (above 100 for a load test). */
export class DialSettings implements RouteSettingsSource {
  constructor(
    public percent: number,
    readonly primaryUrl: string,
    readonly shadowUrl: string,
  ) {}
  mirrorPercent(): number {
    return this.percent
  }
  primary(): string {
    return this.primaryUrl
  }
  shadow(): string {
    return this.shadowUrl
  }
}
