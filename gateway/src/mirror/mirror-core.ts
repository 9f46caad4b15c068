import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { MigrationStage, NotMirroredReason, ServedSide, ShadowgateConfig } from '@shadowgate/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { Dispatcher } from 'undici'
import { CaptureBudget } from './capture-budget.js'
import { GatewayMetrics, type CircuitState } from '../metrics/gateway-metrics.js'
import { shadowLabeler } from '../metrics/shadow-label.js'
import type { CopyHandle, TrafficObserver } from '../metrics/traffic-observer.js'
import { hasRequestBody } from '../proxy/request-body.js'
import { upstreamPath } from '../proxy/request-target.js'
import { TrustedProxies } from '../proxy/trusted-proxies.js'
import { UpstreamTargets, type UpstreamTarget } from '../proxy/upstream-target.js'
import { RouteTable, UNMATCHED_ROUTE, type CompiledHeaderRewrites, type CompiledRoute } from '../routes/route-table.js'
import { StaticRouteSettings } from '../routes/static-route-settings.js'
import type { RouteSettingsSource } from '../runtime/route-settings-source.js'
import { CircuitBreaker, type CircuitPass } from './circuit-breaker.js'
import { DeadlineQueue } from '../deadline-queue.js'
import { InFlightLimiter } from './in-flight-limiter.js'
import { COPY_HEADER, MIRROR_MARKER_HEADER } from './mirror-marker.js'
import { MirrorExchange, type AbandonReason, type ExchangeHost } from './mirror-exchange.js'
import type { MirrorPair, ObservedOutcome, PairSink } from './mirror-pair.js'
import type { CopyObserver } from './load-window.js'
import { AMPLIFIED_METHODS, copiesFor, isSampled } from './sampler.js'
import { createShadowAgent } from './shadow-agent.js'
import { ShadowCall } from './shadow-call.js'
import { shadowRequestHeaders } from './shadow-headers.js'
import { stickyKeyOf } from './sticky-key.js'

/** The log lines the mirror writes (circuit changes, a failing pair sink). */
export type MirrorLog = Pick<FastifyBaseLogger, 'warn' | 'info'>

export interface MirrorCoreOptions {
  readonly config: ShadowgateConfig
  /** Percent and shadow per route, read on every request. Default: the config's values. */
  readonly settings?: RouteSettingsSource
  readonly metrics?: GatewayMetrics
  /** Receives completed pairs of audited requests. Default: none, nothing is captured. */
  readonly pairSink?: PairSink
  /** Dispatcher for copies. Default: an own undici Agent (`mirror.connections`), destroyed by close(). */
  readonly shadowDispatcher?: Dispatcher
  readonly log?: MirrorLog
  /** Told about every copy's end and every refusal by the isolation (the load ramp's brakes). */
  readonly copyObserver?: CopyObserver
  /** Told of every copy sent and its outcome (slow requests). Default: none. */
  readonly traffic?: TrafficObserver
  /**
   * Whether the caller forwards each request to the upstream `decide` names (the gateway's proxy
   * does). Without it, `canary` and `final` behave as `shadow`: an app that serves requests itself
   * cannot hand them to the new side.
   */
  readonly servesReads?: boolean
}

/** What the mirror decided for one request: the copy (if any) and who serves it. */
export interface RequestDecision {
  readonly exchange: MirrorExchange | null
  /** Upstream that must serve the request instead of the route's primary (the new side); undefined: the primary. */
  readonly upstream: string | undefined
}

/** Which side serves a read and where its copy goes, at what share. */
interface ReadPlan {
  readonly served: ServedSide
  readonly upstream: string | undefined
  readonly copyTo: string | undefined
  /** Copy percent; above 100 (several copies per request) only for copies to the new side. */
  readonly percent: number
}

export interface ShadowStats {
  readonly circuit: CircuitState
  readonly inFlight: number
}

/** Live state of the mirror, per shadow upstream. */
export interface MirrorStats {
  readonly shadows: Readonly<Record<string, ShadowStats>>
  /** Body bytes audit captures in progress hold (bounded by `audit.maxCaptureBytesTotal`). */
  readonly captureBytes: number
}

const SILENT: MirrorLog = { warn: () => {}, info: () => {} }
const NO_REWRITES: CompiledHeaderRewrites = Object.freeze({ drop: new Set<string>(), set: [] })
const SERVED_BY_PRIMARY: RequestDecision = Object.freeze({ exchange: null, upstream: undefined })

/**
 * Everything mirroring does, independent of how requests arrive (the Fastify plugin and the
 * http-proxy adapter both drive it): route matching, the sampling decision with its one counted
 * reason, sending copies through separate pools with a deadline, the per-shadow in-flight cap
 * and circuit breaker, and pairing responses for the audit. Nothing here can delay or fail the
 * client's request: copies leave only after the primary has been sent the same request, and
 * their outcome is only counted.
 */
export class MirrorCore implements ExchangeHost {
  readonly routes: RouteTable
  readonly #config: ShadowgateConfig
  readonly #settings: RouteSettingsSource
  readonly #metrics: GatewayMetrics
  readonly #sink: PairSink | undefined
  readonly #dispatcher: Dispatcher
  readonly #ownedDispatcher: Dispatcher | undefined
  readonly #log: MirrorLog
  readonly #preserveHost: boolean
  readonly #trusted: TrustedProxies
  readonly #servesReads: boolean
  readonly #targets = new UpstreamTargets()
  readonly #limiter: InFlightLimiter
  readonly #breakers = new Map<string, CircuitBreaker>()
  readonly #calls = new Set<ShadowCall>()
  readonly #deadlines: DeadlineQueue
  readonly #budget: CaptureBudget | undefined
  readonly #observer: CopyObserver | undefined
  readonly #traffic: TrafficObserver | undefined
  readonly #shadowLabel: (shadow: string) => string
  #budgetExhausted = false
  #closed = false

  constructor(options: MirrorCoreOptions) {
    const { config } = options
    this.#config = config
    this.routes = new RouteTable(config.routes)
    this.#settings = options.settings ?? new StaticRouteSettings(config)
    this.#metrics = options.metrics ?? new GatewayMetrics()
    this.#sink = options.pairSink
    this.#ownedDispatcher = options.shadowDispatcher === undefined ? createShadowAgent(config) : undefined
    this.#dispatcher = options.shadowDispatcher ?? (this.#ownedDispatcher as Dispatcher)
    this.#log = options.log ?? SILENT
    this.#observer = options.copyObserver
    this.#preserveHost = config.proxy.hostHeader === 'preserve'
    this.#trusted = new TrustedProxies(config.proxy.trustedProxies)
    this.#servesReads = options.servesReads === true
    // With its own pools, a copy beyond the pool's connections would only wait in the pool's queue,
    // holding its request, buffers and deadline while adding nothing the shadow can take sooner: it
    // is dropped at once instead, so the cap is whichever is lower.
    const cap = this.#ownedDispatcher === undefined ? config.mirror.maxInFlight : Math.min(config.mirror.maxInFlight, config.mirror.connections)
    this.#traffic = options.traffic
    this.#shadowLabel = shadowLabeler(config)
    this.#deadlines = new DeadlineQueue(config.mirror.timeoutMs)
    this.#limiter = new InFlightLimiter(cap, { onChange: (shadow, n) => this.#metrics.inFlight(this.#shadowLabel(shadow), n) })
    if (this.#sink !== undefined) this.#budget = new CaptureBudget(config.audit.maxCaptureBytesTotal, (used) => this.#metrics.captureBytes(used))
  }

  /**
   * Counts one incoming request and decides whether it is copied. Returns the exchange that
   * carries the copy, or null (the reason is already counted). When the exchange is
   * `awaitingBody`, the caller must feed it the request body as it streams to the primary; in
   * every case it must call `onRequestSent()` once the primary has been sent the whole request.
   */
  begin(req: IncomingMessage, res: ServerResponse, route: CompiledRoute | undefined): MirrorExchange | null {
    return this.decide(req, res, route).exchange
  }

  /**
   * Counts one incoming request and decides, from the route's stage, which side serves it (reads
   * only: every other method is served by the primary, the old side) and whether it is copied to the
   * other side. When the new side serves, the old side is the copy's target, with the same
   * isolation as any copy (own pool, deadline, in-flight cap, breaker).
   */
  decide(req: IncomingMessage, res: ServerResponse, route: CompiledRoute | undefined): RequestDecision {
    const metrics = this.#metrics
    if (route === undefined) {
      metrics.request(UNMATCHED_ROUTE)
      metrics.notMirrored(UNMATCHED_ROUTE, 'no_route')
      return SERVED_BY_PRIMARY
    }
    const name = route.name
    metrics.request(name)
    if (req.headers[MIRROR_MARKER_HEADER] !== undefined) return this.#skip(name, 'loop')
    if (!route.mirrorMethods.has(req.method ?? '')) return this.#skip(name, 'method')
    const plan = this.#plan(route, req)
    const upstream = plan.served === 'new' ? plan.upstream : undefined
    const exchange = this.#copy(req, res, route, plan)
    return upstream === undefined && exchange === null ? SERVED_BY_PRIMARY : { exchange, upstream }
  }

  #plan(route: CompiledRoute, req: IncomingMessage): ReadPlan {
    const name = route.name
    const settings = this.#settings
    const newSide = settings.shadow(name)
    let stage: MigrationStage = settings.stage?.(name) ?? 'shadow'
    if ((stage === 'canary' || stage === 'final') && (!this.#servesReads || newSide === undefined || this.#target(newSide) === undefined)) stage = 'shadow'
    const percent = settings.mirrorPercent(name)
    if (stage === 'passthrough') return { served: 'old', upstream: undefined, copyTo: newSide, percent: 0 }
    if (stage === 'final') return { served: 'new', upstream: newSide, copyTo: settings.primary(name), percent }
    if (stage === 'canary') {
      const serve = settings.servePercent?.(name) ?? 0
      const sticky = route.config.mirror.sticky
      const key = sticky !== undefined && serve > 0 && serve < 100 ? stickyKeyOf(sticky, req) : undefined
      // Its own salt: which users the new side serves is independent of which are copied.
      if (isSampled(serve, `${name}/serve`, key)) return { served: 'new', upstream: newSide, copyTo: settings.primary(name), percent: 100 }
    }
    return { served: 'old', upstream: undefined, copyTo: newSide, percent }
  }

  #copy(req: IncomingMessage, res: ServerResponse, route: CompiledRoute, plan: ReadPlan): MirrorExchange | null {
    const name = route.name
    const sticky = route.config.mirror.sticky
    // Amplification loads the new side only: a copy to the old side (served by new) is one copy at most.
    const percent = plan.served === 'new' ? Math.min(plan.percent, 100) : plan.percent
    const key = sticky !== undefined && percent > 0 && percent % 100 !== 0 ? stickyKeyOf(sticky, req) : undefined
    const copies = copiesFor(percent, name, key, AMPLIFIED_METHODS.has(req.method ?? ''))
    if (copies === 0) return this.#skip(name, 'not_sampled').exchange
    const shadow = plan.copyTo
    if (shadow === undefined || this.#target(shadow) === undefined) return this.#skip(name, 'no_shadow').exchange
    let bodyLimit: number | undefined
    if (hasRequestBody(req)) {
      bodyLimit = route.config.mirror.maxBodyBytes
      const length = req.headers['content-length']
      if (length !== undefined && Number(length) > bodyLimit) return this.#skip(name, 'body_too_large').exchange
    }
    // Refused early, before anything is allocated or captured for a copy that could not be sent
    // anyway; sendCopy checks again, as a body may take a while to arrive.
    if (this.#closed || this.#limiter.full(shadow)) return this.#skip(name, 'in_flight_cap', plan.served).exchange
    if (this.#breakers.get(shadow)?.refusing === true) return this.#skip(name, 'circuit_open', plan.served).exchange
    let id = ''
    let captureBytes: number | undefined
    const sink = this.#sink
    if (sink !== undefined) {
      id = randomUUID()
      try {
        if (sink.accepts(name, id)) captureBytes = sink.maxBodyBytes
      } catch (err) {
        this.#log.warn({ err, route: name }, 'pair sink failed to answer accepts(); the pair is not captured')
      }
    }
    return new MirrorExchange(this, { id, route, shadow, served: plan.served, req, res, bodyLimit, captureBytes, budget: this.#budget, copies })
  }

  /** Counts an upgrade request: proxied, never mirrored. */
  upgrade(route: CompiledRoute | undefined): void {
    const name = route?.name ?? UNMATCHED_ROUTE
    this.#metrics.request(name)
    this.#metrics.notMirrored(name, route === undefined ? 'no_route' : 'upgrade')
  }

  /**
   * Sends the copies of an exchange: the first carries the audit pair, the others (an amplified
   * request's load) go through the same in-flight cap, circuit and deadline and are only counted.
   */
  sendCopy(exchange: MirrorExchange, body: Buffer): boolean {
    // Read once: a first copy that fails at once may deliver its pair, and the exchange then lets go of the request.
    const req = exchange.req
    const sent = this.#sendOne(exchange, req, body, 1)
    for (let k = 2; k <= exchange.copies; k++) this.#sendOne(exchange, req, body, k)
    return sent
  }

  #sendOne(exchange: MirrorExchange, req: IncomingMessage, body: Buffer, k: number): boolean {
    const name = exchange.route.name
    const shadow = exchange.shadow
    const target = this.#target(shadow)
    const path = target === undefined ? undefined : upstreamPath(target, req.url ?? '/')
    if (target === undefined || path === undefined) return this.#notSent(exchange, 'no_shadow', k)
    // Shutting down: the capacity for copies is gone.
    if (this.#closed || !this.#limiter.tryAcquire(shadow)) return this.#notSent(exchange, 'in_flight_cap', k)
    const breaker = this.#breaker(shadow)
    const pass = breaker.tryAcquire()
    if (pass === undefined) {
      this.#limiter.release(shadow)
      return this.#notSent(exchange, 'circuit_open', k)
    }
    if (k === 1) this.#metrics.mirrored(name)
    this.#metrics.copySent(name)
    const audited = k === 1 && exchange.capturing
    // Slow requests are judged on the audited copy, the one the pair is made of.
    const copy = k === 1 ? this.#traffic?.copySent(exchange.req, name) : undefined
    const call = new ShadowCall({
      deadlines: this.#deadlines,
      maxResponseBytes: this.#config.mirror.maxResponseBytes,
      captureBytes: audited ? this.#sink?.maxBodyBytes : undefined,
      captureTake: audited ? (bytes) => exchange.captureTake(bytes) : undefined,
      onDone: (done, outcome) => this.#callDone(done, outcome, exchange, breaker, pass, k === 1, copy),
    })
    this.#calls.add(call)
    // The route's rewrites are for the new side (a test tenant, another key); a copy to the old
    // side carries the client's headers as the old side has always seen them.
    const headers = shadowRequestHeaders(req, this.#preserveHost, this.#trusted, exchange.served === 'new' ? NO_REWRITES : exchange.route.shadowHeaders)
    if (exchange.copies > 1) headers.push(COPY_HEADER, `${k}/${exchange.copies}`)
    call.start(this.#dispatcher, {
      origin: target.origin,
      path,
      method: req.method ?? 'GET',
      headers,
      body: body.length === 0 && !hasRequestBody(req) ? null : body,
    })
    return true
  }

  abandon(exchange: MirrorExchange, reason: AbandonReason): void {
    this.#notSent(exchange, reason)
  }

  /** Counts a copy that was decided but not sent, and (for the first) tells the sink no pair will come for it. */
  #notSent(exchange: MirrorExchange, reason: NotMirroredReason, k = 1): false {
    this.#refused(exchange.route.name, reason, exchange.served)
    if (k > 1) {
      this.#metrics.copyNotSent(exchange.route.name, reason)
      return false
    }
    this.#metrics.notMirrored(exchange.route.name, reason)
    if (exchange.pairOwed) {
      try {
        this.#sink?.withdraw?.(exchange.route.name, exchange.id)
      } catch (err) {
        this.#log.warn({ err, route: exchange.route.name }, 'pair sink failed to take a withdrawal')
      }
    }
    return false
  }

  captureDropped(exchange: MirrorExchange): void {
    const route = exchange.route.name
    if (!this.#budgetExhausted) {
      this.#budgetExhausted = true
      this.#log.warn({ route, captureBytes: this.#budget?.used, limit: this.#budget?.limit }, 'audit capture budget exhausted: pairs are dropped (dropped_capture_budget) until captures in progress end')
    }
    try {
      this.#sink?.drop?.(route, exchange.id, 'capture_budget')
    } catch (err) {
      this.#log.warn({ err, route }, 'pair sink failed to take a dropped pair')
    }
  }

  deliver(pair: MirrorPair): void {
    this.#budgetExhausted = false
    try {
      this.#sink?.push(pair)
    } catch (err) {
      this.#log.warn({ err, route: pair.request.route }, 'pair sink failed to take a pair; it is dropped')
    }
  }

  stats(): MirrorStats {
    const shadows: Record<string, ShadowStats> = {}
    for (const [shadow, breaker] of this.#breakers) shadows[shadow] = { circuit: breaker.state, inFlight: this.#limiter.count(shadow) }
    return { shadows, captureBytes: this.#budget?.used ?? 0 }
  }

  /** Aborts copies in flight and releases the pools it created. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const call of [...this.#calls]) call.abort()
    this.#deadlines.close()
    this.#limiter.close()
    await this.#ownedDispatcher?.destroy()
  }

  #skip(route: string, reason: NotMirroredReason, served: ServedSide = 'old'): RequestDecision {
    this.#metrics.notMirrored(route, reason)
    this.#refused(route, reason, served)
    return SERVED_BY_PRIMARY
  }

  /** Tells the observer (the load brakes) about a refused copy to the new side; copies to the old side are not the load under test. */
  #refused(route: string, reason: NotMirroredReason, served: ServedSide): void {
    if (served === 'new' || (reason !== 'in_flight_cap' && reason !== 'circuit_open')) return
    try {
      this.#observer?.copyRefused(route, reason)
    } catch (err) {
      this.#log.warn({ err, route }, 'copy observer failed')
    }
  }

  #target(shadow: string): UpstreamTarget | undefined {
    try {
      return this.#targets.get(shadow)
    } catch {
      return undefined
    }
  }

  #breaker(shadow: string): CircuitBreaker {
    let breaker = this.#breakers.get(shadow)
    if (breaker === undefined) {
      const { consecutiveFailures, openMs } = this.#config.mirror.circuitBreaker
      breaker = new CircuitBreaker({
        consecutiveFailures,
        openMs,
        onStateChange: (state) => {
          this.#metrics.circuitState(this.#shadowLabel(shadow), state)
          this.#log.warn({ shadow, state }, `shadow circuit ${state}`)
        },
      })
      this.#breakers.set(shadow, breaker)
      this.#metrics.circuitState(this.#shadowLabel(shadow), 'closed')
    }
    return breaker
  }

  #callDone(call: ShadowCall, outcome: ObservedOutcome, exchange: MirrorExchange, breaker: CircuitBreaker, pass: CircuitPass, first: boolean, copy: CopyHandle | undefined): void {
    this.#calls.delete(call)
    this.#limiter.release(exchange.shadow, outcome.latencyMs)
    const failed = outcome.kind === 'error'
    breaker.record(pass, !failed ? 'success' : outcome.error === 'aborted' ? 'neutral' : 'failure')
    this.#metrics.shadowDone(exchange.route.name, outcome.latencyMs / 1000, failed ? outcome.error : undefined)
    // The brakes judge the new side under load: copies to the old side (the new side serving) are left out.
    if (exchange.served === 'old') {
      try {
        this.#observer?.copyDone(exchange.route.name, outcome)
      } catch (err) {
        this.#log.warn({ err, route: exchange.route.name }, 'copy observer failed')
      }
    }
    copy?.shadowDone({ latencyMs: outcome.latencyMs, status: outcome.kind === 'response' ? outcome.status : undefined })
    if (first) exchange.shadowDone(outcome)
  }
}
