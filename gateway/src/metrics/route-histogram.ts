import type { Metric, Registry } from 'prom-client'

interface RouteBuckets {
  /** Observations per bucket (not cumulative), then the +Inf overflow last. */
  readonly counts: Float64Array
  sum: number
  count: number
}

interface ExportedValue {
  readonly metricName: string
  readonly labels: Record<string, string | number>
  readonly value: number
}

/**
 * A Prometheus histogram by `route` kept in plain numbers: observing is a map lookup and a bucket
 * search, with no label hashing or string building per observation (a prom-client histogram child
 * builds its label key on every observe). The exposition is built when a scrape asks, in the shape
 * prom-client's registry and cluster aggregator expect of a histogram.
 */
export class RouteHistogram {
  readonly name: string
  readonly help: string
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #bounds: readonly number[]
  readonly #routes = new Map<string, RouteBuckets>()

  constructor(opts: { name: string; help: string; buckets: readonly number[]; registry: Registry }) {
    this.name = opts.name
    this.help = opts.help
    this.#bounds = [...opts.buckets].sort((a, b) => a - b)
    // A structural stand-in for prom-client's Metric: the registry only calls get() and reads name.
    opts.registry.registerMetric(this as unknown as Metric)
  }

  observe(route: string, value: number): void {
    let r = this.#routes.get(route)
    if (r === undefined) {
      r = { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 }
      this.#routes.set(route, r)
    }
    const bounds = this.#bounds
    let i = 0
    while (i < bounds.length && value > (bounds[i] ?? Infinity)) i++
    r.counts[i] = (r.counts[i] ?? 0) + 1
    r.sum += value
    r.count++
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const values: ExportedValue[] = []
    for (const [route, r] of this.#routes) {
      let acc = 0
      this.#bounds.forEach((le, i) => {
        acc += r.counts[i] ?? 0
        values.push({ metricName: `${this.name}_bucket`, labels: { le, route }, value: acc })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', route }, value: r.count })
      values.push({ metricName: `${this.name}_sum`, labels: { route }, value: r.sum })
      values.push({ metricName: `${this.name}_count`, labels: { route }, value: r.count })
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values })
  }

  reset(): void {
    this.#routes.clear()
  }
}
