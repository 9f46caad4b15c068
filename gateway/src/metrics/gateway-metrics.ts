import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { NOT_MIRRORED_REASONS, packageVersion, type NotMirroredReason } from '@shadowgate/shared'
import { STATUS_CLASSES, statusClassIndex } from './access-counts.js'
import { FaultCounters } from './fault-counters.js'
import { RouteHistogram } from './route-histogram.js'

/** Per-route counters kept in plain numbers for the admin API and the InfluxDB `shadowgate_gateway` series. */
export interface RouteCounters {
  requests: number
  mirrored: number
  notMirrored: Record<NotMirroredReason, number>
  shadowErrors: number
}

export type CircuitState = 'closed' | 'open' | 'half_open'
const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half_open']
/** Latency buckets of the requests clients see, in seconds: from a cache hit to the proxy timeout. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const GATEWAY_VERSION = packageVersion(import.meta.url) ?? 'unknown'


function emptyCounters(): RouteCounters {
  return {
    requests: 0,
    mirrored: 0,
    notMirrored: Object.fromEntries(NOT_MIRRORED_REASONS.map((r) => [r, 0])) as Record<NotMirroredReason, number>,
    shadowErrors: 0,
  }
}

/**
 * The gateway's metrics. Each gateway owns its own prom-client Registry (never the global one), so
 * two gateways in one process - tests, or a host app embedding the plugin - do not collide.
 *
 * The per-request counters (requests, mirrored, not mirrored, copies in flight) are kept in plain
 * numbers and copied into prom-client when it collects (a scrape, a cluster stats request): a
 * labelled prom-client inc hashes its labels on every call, which cost a few microseconds per
 * request on the hot path for values nobody reads until the next scrape.
 */
export class GatewayMetrics {
  readonly registry: Registry
  /** Rejected runtime values and failed event handlers, on the same registry. */
  readonly faults: FaultCounters
  readonly #routes = new Map<string, RouteCounters>()
  readonly #inFlightByShadow = new Map<string, number>()
  readonly #requests: Counter<'route'>
  readonly #mirrored: Counter<'route'>
  readonly #notMirrored: Counter<'route' | 'reason'>
  readonly #shadowErrors: Counter<'route' | 'kind'>
  readonly #shadowLatency: RouteHistogram
  readonly #primaryErrors: Counter<'route' | 'kind'>
  readonly #circuit: Gauge<'shadow' | 'state'>
  readonly #requestDuration: RouteHistogram
  readonly #responses: Counter<'route' | 'status_class'>
  /** Responses per route, by status class index (see STATUS_CLASSES): plain numbers, copied in at collect. */
  readonly #responsesByRoute = new Map<string, Float64Array>()
  readonly #inFlight: Gauge<'shadow'>
  readonly #audit: Counter<'result'>
  readonly #clientWriteTimeouts: Counter<'route'>
  readonly #copiesByRoute = new Map<string, number>()
  /** Keyed `route\u0000reason`. */
  readonly #copiesNotSentBy = new Map<string, number>()
  #captureBytes = 0
  readonly #auditUnknown: Gauge
  readonly #auditReconciled: Counter<'result'>

  constructor(opts: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    this.registry = opts.registry ?? new Registry()
    this.faults = new FaultCounters(this.registry)
    const registers = [this.registry]
    this.#requests = new Counter({
      name: 'shadowgate_requests_total',
      help: 'Requests received, by route',
      labelNames: ['route'],
      registers,
      collect: () => this.#fill(this.#requests, (c, add) => add({}, c.requests, true)),
    })
    this.#mirrored = new Counter({
      name: 'shadowgate_mirrored_total',
      help: 'Requests copied to the shadow, by route',
      labelNames: ['route'],
      registers,
      collect: () => this.#fill(this.#mirrored, (c, add) => add({}, c.mirrored, false)),
    })
    this.#notMirrored = new Counter({
      name: 'shadowgate_not_mirrored_total',
      help: 'Requests not copied to the shadow, by route and reason',
      labelNames: ['route', 'reason'],
      registers,
      collect: () =>
        this.#fill(this.#notMirrored, (c, add) => {
          for (const reason of NOT_MIRRORED_REASONS) add({ reason }, c.notMirrored[reason], false)
        }),
    })
    this.#shadowErrors = new Counter({ name: 'shadowgate_shadow_errors_total', help: 'Shadow calls that failed, by route and error kind', labelNames: ['route', 'kind'], registers })
    this.#shadowLatency = new RouteHistogram({
      name: 'shadowgate_shadow_duration_seconds',
      help: 'Time from sending the copy to the end of the shadow response',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registry: this.registry,
    })
    this.#primaryErrors = new Counter({ name: 'shadowgate_primary_errors_total', help: 'Primary calls that failed (502/504 to the client), by route and kind', labelNames: ['route', 'kind'], registers })
    this.#circuit = new Gauge({ name: 'shadowgate_circuit_state', help: 'Shadow circuit breaker: 1 for the state it is in (closed, open, half_open), 0 for the others', labelNames: ['shadow', 'state'], registers })
    this.#requestDuration = new RouteHistogram({
      name: 'shadowgate_request_duration_seconds',
      help: 'Time from forwarding a request to the end of the response the client received, by route',
      buckets: REQUEST_BUCKETS,
      registry: this.registry,
    })
    this.#responses = new Counter({
      name: 'shadowgate_responses_total',
      help: "Responses clients received (the primary's answers, or the gateway's 502/504), by route and status class",
      labelNames: ['route', 'status_class'],
      registers,
      collect: () => {
        this.#responses.reset()
        for (const [route, counts] of this.#responsesByRoute) {
          counts.forEach((n, i) => {
            if (n > 0) this.#responses.inc({ route, status_class: STATUS_CLASSES[i] ?? 'other' }, n)
          })
        }
      },
    })
    new Gauge({ name: 'shadowgate_build_info', help: 'Always 1: the gateway version and Node.js version of this process', labelNames: ['version', 'node'], registers }).set({ version: GATEWAY_VERSION, node: process.version }, 1)
    this.#inFlight = new Gauge({
      name: 'shadowgate_shadow_in_flight',
      help: 'Copies in flight to each shadow',
      labelNames: ['shadow'],
      registers,
      collect: () => {
        for (const [shadow, n] of this.#inFlightByShadow) this.#inFlight.set({ shadow }, n)
      },
    })
    this.#audit = new Counter({ name: 'shadowgate_audit_pairs_total', help: 'Captured pairs by what happened to them: enqueued, not_sampled, dropped_<reason>, or unknown_redis (never learned whether Redis took them)', labelNames: ['result'], registers })
    this.#auditUnknown = new Gauge({ name: 'shadowgate_audit_pairs_unknown', help: 'Pairs whose batch write got no answer from Redis, being reconciled (then counted enqueued or dropped_redis)', registers })
    this.#auditReconciled = new Counter({ name: 'shadowgate_audit_pairs_reconciled_total', help: 'Pairs first unknown, then found enqueued or not (dropped_redis) once Redis answered', labelNames: ['result'], registers })
    this.#clientWriteTimeouts = new Counter({
      name: 'shadowgate_client_write_timeouts_total',
      help: 'Client connections closed because they took no response bytes for proxy.clientWriteTimeout',
      labelNames: ['route'],
      registers,
    })
    const copies: Counter<'route'> = new Counter({
      name: 'shadowgate_mirror_copies_total',
      help: 'Copies sent to the shadow, by route (above 100 % a request sends several)',
      labelNames: ['route'],
      registers,
      collect: () => {
        copies.reset()
        for (const [route, n] of this.#copiesByRoute) copies.inc({ route }, n)
      },
    })
    const notSent: Counter<'route' | 'reason'> = new Counter({
      name: 'shadowgate_mirror_copies_not_sent_total',
      help: 'Extra copies of amplified requests (beyond the first) not sent, by route and not-mirrored reason',
      labelNames: ['route', 'reason'],
      registers,
      collect: () => {
        notSent.reset()
        for (const [key, n] of this.#copiesNotSentBy) {
          const [route = '', reason = ''] = key.split('\u0000')
          notSent.inc({ route, reason }, n)
        }
      },
    })
    const captureGauge: Gauge = new Gauge({
      name: 'shadowgate_audit_capture_bytes',
      help: 'Body bytes held by audit captures in progress (bounded by audit.maxCaptureBytesTotal)',
      registers,
      collect: () => captureGauge.set(this.#captureBytes),
    })
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry })
  }

  #route(route: string): RouteCounters {
    let c = this.#routes.get(route)
    if (!c) {
      c = emptyCounters()
      this.#routes.set(route, c)
    }
    return c
  }

  /** Rewrites a counter from the per-route numbers; `always` also writes a zero (a series that exists from the first request). */
  #fill<L extends string>(counter: Counter<L>, each: (c: RouteCounters, add: (labels: Record<string, string>, value: number, always: boolean) => void) => void): void {
    counter.reset()
    for (const [route, c] of this.#routes) {
      each(c, (labels, value, always) => {
        if (value > 0 || always) counter.inc({ route, ...labels } as Partial<Record<L, string>>, value)
      })
    }
  }

  request(route: string): void {
    this.#route(route).requests++
  }

  mirrored(route: string): void {
    this.#route(route).mirrored++
  }

  notMirrored(route: string, reason: NotMirroredReason): void {
    this.#route(route).notMirrored[reason]++
  }

  /** One copy left for the shadow (the first of a request, or an extra one of an amplified request). */
  copySent(route: string): void {
    this.#copiesByRoute.set(route, (this.#copiesByRoute.get(route) ?? 0) + 1)
  }

  /** An extra copy of an amplified request was not sent (the first copy is counted by notMirrored). */
  copyNotSent(route: string, reason: NotMirroredReason): void {
    const key = `${route}\u0000${reason}`
    this.#copiesNotSentBy.set(key, (this.#copiesNotSentBy.get(key) ?? 0) + 1)
  }

  shadowDone(route: string, seconds: number, errorKind?: string): void {
    this.#shadowLatency.observe(route, seconds)
    if (errorKind) {
      this.#route(route).shadowErrors++
      this.#shadowErrors.inc({ route, kind: errorKind })
    }
  }

  primaryError(route: string, kind: string): void {
    this.#primaryErrors.inc({ route, kind })
  }

  clientWriteTimeout(route: string): void {
    this.#clientWriteTimeouts.inc({ route })
  }

  captureBytes(bytes: number): void {
    this.#captureBytes = bytes
  }

  /** @param shadow the shadow's name (see shadowLabel), never its URL. */
  circuitState(shadow: string, state: CircuitState): void {
    for (const s of CIRCUIT_STATES) this.#circuit.set({ shadow, state: s }, s === state ? 1 : 0)
  }

  /** A response the client received: its latency and status class. */
  requestDone(route: string, seconds: number, status: number): void {
    this.#requestDuration.observe(route, seconds)
    let counts = this.#responsesByRoute.get(route)
    if (counts === undefined) {
      counts = new Float64Array(STATUS_CLASSES.length)
      this.#responsesByRoute.set(route, counts)
    }
    const i = statusClassIndex(status)
    counts[i] = (counts[i] ?? 0) + 1
  }

  inFlight(shadow: string, n: number): void {
    this.#inFlightByShadow.set(shadow, n)
  }

  audit(result: string, n = 1): void {
    this.#audit.inc({ result }, n)
  }

  auditUnknown(pairs: number): void {
    this.#auditUnknown.set(pairs)
  }

  auditReconciled(result: 'enqueued' | 'dropped_redis', n: number): void {
    this.#auditReconciled.inc({ result }, n)
  }

  /** A copy of the per-route counters (for the admin API and the InfluxDB reporter). */
  snapshot(): Record<string, RouteCounters> {
    const out: Record<string, RouteCounters> = {}
    for (const [route, c] of this.#routes) out[route] = { ...c, notMirrored: { ...c.notMirrored } }
    return out
  }
}

