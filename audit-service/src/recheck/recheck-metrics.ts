import { Counter, type Registry } from 'prom-client'

/** Counters of the worker's own calls: re-checks by final state, A/A samples by result. */
export class RecheckMetrics {
  readonly #rechecks: Counter<'route' | 'state'>
  readonly #noise: Counter<'route' | 'result'>

  constructor(registry: Registry) {
    const registers = [registry]
    this.#rechecks = new Counter({ name: 'shadowgate_audit_rechecks_total', help: 'Suspect mismatches by re-check state: scheduled, then resolved, persistent, indeterminate; or unverified', labelNames: ['route', 'state'], registers })
    this.#noise = new Counter({ name: 'shadowgate_audit_noise_samples_total', help: 'A/A samples (two calls to the shadow) by result: recorded, unusable (a side failed or was skipped), failed (Redis)', labelNames: ['route', 'result'], registers })
  }

  recheck(route: string, state: string): void {
    this.#rechecks.inc({ route, state })
  }

  noise(route: string, result: 'recorded' | 'unusable' | 'failed'): void {
    this.#noise.inc({ route, result })
  }

  /** Current count of one re-check state of a route (for embedding and tests). */
  async rechecks(route: string, state: string): Promise<number> {
    const m = await this.#rechecks.get()
    return m.values.find((v) => v.labels.route === route && v.labels.state === state)?.value ?? 0
  }

  async noiseSamples(route: string, result: string): Promise<number> {
    const m = await this.#noise.get()
    return m.values.find((v) => v.labels.route === route && v.labels.result === result)?.value ?? 0
  }
}
