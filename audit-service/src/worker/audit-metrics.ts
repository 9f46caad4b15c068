import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { InfluxWriterStats } from '@shadowgate/influx'

/**
 * The audit worker's Prometheus metrics, in their own Registry (never the global one) so two
 * services in one process do not collide. InfluxDB writer figures are read from the writer when
 * scraped.
 */
export class AuditMetrics {
  readonly registry: Registry
  readonly #jobs: Counter<'route' | 'outcome' | 'reason'>
  readonly #jobErrors: Counter<'stage'>
  readonly #duration: Histogram<'outcome'>
  readonly #active: Gauge
  readonly #mismatchRecorded: Counter<'result'>
  readonly #rulesDrift: Counter<'route'>
  #influx: () => InfluxWriterStats | undefined = () => undefined

  constructor(opts: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    this.registry = opts.registry ?? new Registry()
    const registers = [this.registry]
    this.#jobs = new Counter({ name: 'shadowgate_audit_jobs_total', help: 'Audited pairs by route, outcome and sub-reason (a re-run job counts again here, not in InfluxDB)', labelNames: ['route', 'outcome', 'reason'], registers })
    this.#jobErrors = new Counter({ name: 'shadowgate_audit_job_errors_total', help: 'Jobs that failed on Redis or another dependency (BullMQ keeps them as failed or retries them)', labelNames: ['stage'], registers })
    this.#duration = new Histogram({ name: 'shadowgate_audit_job_duration_seconds', help: 'Time to judge and record one pair', labelNames: ['outcome'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers })
    this.#active = new Gauge({ name: 'shadowgate_audit_active_jobs', help: 'Jobs being processed now', registers })
    this.#mismatchRecorded = new Counter({ name: 'shadowgate_audit_mismatch_records_total', help: 'Mismatch group writes: counted, or duplicate (a re-run job already counted)', labelNames: ['result'], registers })
    this.#rulesDrift = new Counter({ name: 'shadowgate_audit_rules_mismatch_pairs_total', help: 'Pairs captured under other audit rules than this worker judges the route with (gateway and worker read different configs), by route', labelNames: ['route'], registers })
    const influx = (): InfluxWriterStats | undefined => this.#influx()
    cumulative(registers, 'shadowgate_audit_influx_written_lines_total', 'Lines InfluxDB acknowledged', () => influx()?.writtenLines)
    cumulative(registers, 'shadowgate_audit_influx_dropped_lines_total', 'Lines given up on (retries exhausted, rejected, retry buffer full, left at close)', () => influx()?.droppedLines)
    cumulative(registers, 'shadowgate_audit_influx_failed_writes_total', 'InfluxDB write requests that failed (each may be retried)', () => influx()?.failedWrites)
    new Gauge({
      name: 'shadowgate_audit_influx_pending_lines',
      help: 'Lines buffered, in flight or waiting for a retry',
      registers,
      collect() {
        this.set(influx()?.pendingLines ?? 0)
      },
    })
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry })
  }

  /** Reports the figures of this writer when scraped. */
  observeInflux(stats: () => InfluxWriterStats | undefined): void {
    this.#influx = stats
  }

  job(route: string, outcome: string, reason: string, seconds: number): void {
    this.#jobs.inc({ route, outcome, reason })
    this.#duration.observe({ outcome }, seconds)
  }

  jobError(stage: string): void {
    this.#jobErrors.inc({ stage })
  }

  active(delta: number): void {
    this.#active.inc(delta)
  }

  rulesDrift(route: string): void {
    this.#rulesDrift.inc({ route })
  }

  mismatchRecorded(counted: boolean): void {
    this.#mismatchRecorded.inc({ result: counted ? 'counted' : 'duplicate' })
  }
}

// A counter whose value lives elsewhere: on scrape it is raised by what that value grew.
function cumulative(registers: Registry[], name: string, help: string, read: () => number | undefined): void {
  let seen = 0
  new Counter({
    name,
    help,
    registers,
    collect() {
      const v = read() ?? seen
      if (v > seen) this.inc(v - seen)
      seen = Math.max(seen, v)
    },
  })
}
