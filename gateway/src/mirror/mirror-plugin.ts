import type { IncomingMessage } from 'node:http'
import { Transform, pipeline, type Readable } from 'node:stream'
import type { ShadowgateConfig } from '@shadowgate/shared'
import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { TrafficObserver } from '../metrics/traffic-observer.js'
import type { PrimaryObserver } from '../proxy/primary-observer.js'
import type { CompiledRoute, RouteTable } from '../routes/route-table.js'
import type { RouteSettingsSource } from '../runtime/route-settings-source.js'
import { MirrorCore, type MirrorStats } from './mirror-core.js'
import type { MirrorExchange } from './mirror-exchange.js'
import type { CopyObserver } from './load-window.js'
import type { PairSink } from './mirror-pair.js'
import { teeRequestBody } from './request-body-tee.js'

export interface MirrorPluginOptions {
  readonly config: ShadowgateConfig
  /** Percent and shadow per route, read on every request. Default: the config's values. */
  readonly settings?: RouteSettingsSource
  /** Where counters go. Default: a new GatewayMetrics. */
  readonly metrics?: GatewayMetrics
  /** Receives the pairs of audited requests. Default: none. */
  readonly pairSink?: PairSink
  /** Dispatcher for shadow copies; default: an own undici Agent, destroyed when the app closes. */
  readonly shadowDispatcher?: Dispatcher
  /** Told about every copy's end and every isolation refusal (the load ramp's brakes). */
  readonly copyObserver?: CopyObserver
  /** Told of every copy sent and its outcome (slow requests). Default: none. */
  readonly traffic?: TrafficObserver
  /**
   * Whether the app forwards each request to `request.mirrorUpstream` when it is set (the gateway's
   * proxy does), so routes in `canary` and `final` can serve reads from the new side. Default false:
   * those stages then behave as `shadow`.
   */
  readonly servesReads?: boolean
}

/** What the plugin exposes as `fastify.mirror`. */
export interface MirrorDecorator {
  readonly routes: RouteTable
  /** Circuit state and copies in flight per shadow. */
  stats(): MirrorStats
  /** Counts an upgrade request (proxied, never mirrored) and returns its route rule, if any. */
  upgrade(req: IncomingMessage): CompiledRoute | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    mirror: MirrorDecorator
  }
  interface FastifyRequest {
    /** The route rule the request matched, null when none did. */
    mirrorRoute: CompiledRoute | null
    /** The copy of this request under way, null when it is not mirrored. */
    mirrorExchange: MirrorExchange | null
    /** The upstream that must serve this request (the new side, by the route's stage); null: the route's primary. */
    mirrorUpstream: string | null
    /** The observer a proxy should feed with the primary request and response, when the request is mirrored. */
    readonly mirrorObserver: PrimaryObserver | undefined
  }
}

function headerLines(headers: Record<string, number | string | string[] | undefined>): string[] {
  const out: string[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) out.push(name, v)
    else out.push(name, typeof value === 'number' ? String(value) : value)
  }
  return out
}

/** Copies a reply payload stream's chunks into the exchange as Fastify sends them. */
function teeReplyStream(source: Readable, exchange: MirrorExchange): Readable {
  const tee = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      exchange.onResponseData(chunk)
      callback(null, chunk)
    },
  })
  pipeline(source, tee, () => {})
  return tee
}

/**
 * Mirrors a share of an app's requests to a shadow. Works with any handler: the request body is
 * copied through a preParsing tee, so body parsers and proxies read it as usual. A copy leaves
 * once the primary has the request: when a proxy reports it sent (`request.mirrorObserver`), or
 * when the request reaches the app's own handler (preHandler). The primary
 * response of audited requests is observed through `request.mirrorObserver` (for handlers that
 * write the raw response themselves, like the shadowgate proxy) or through onSend otherwise.
 */
const mirrorPlugin: FastifyPluginCallback<MirrorPluginOptions> = (fastify, opts, done) => {
  const core = new MirrorCore({ ...opts, log: fastify.log })

  fastify.decorate('mirror', {
    routes: core.routes,
    stats: () => core.stats(),
    upgrade(req: IncomingMessage): CompiledRoute | undefined {
      const route = core.routes.match(req.method ?? 'GET', req.url ?? '/')
      core.upgrade(route)
      return route
    },
  } satisfies MirrorDecorator)
  fastify.decorateRequest('mirrorRoute', null)
  fastify.decorateRequest('mirrorExchange', null)
  fastify.decorateRequest('mirrorUpstream', null)
  fastify.decorateRequest('mirrorObserver', {
    getter(this: { mirrorExchange: MirrorExchange | null }): PrimaryObserver | undefined {
      const exchange = this.mirrorExchange
      return exchange !== null && (exchange.capturing || exchange.awaitingPrimary) ? exchange : undefined
    },
  })

  fastify.addHook('onRequest', (request, reply, hookDone) => {
    const raw = request.raw
    const route = core.routes.match(raw.method ?? 'GET', raw.url ?? '/')
    request.mirrorRoute = route ?? null
    const decision = core.decide(raw, reply.raw, route)
    request.mirrorExchange = decision.exchange
    request.mirrorUpstream = decision.upstream ?? null
    hookDone()
  })

  fastify.addHook('preParsing', (request, _reply, payload, hookDone) => {
    const exchange = request.mirrorExchange
    if (exchange !== null && exchange.awaitingBody) hookDone(null, teeRequestBody(payload, exchange))
    else hookDone(null, payload)
  })

  // For a handler of the app itself (no proxy hijacked the request in preParsing), reaching the
  // handler is reaching the primary: the body was read and parsed, and nothing refused the request.
  fastify.addHook('preHandler', (request, _reply, hookDone) => {
    request.mirrorExchange?.onRequestSent()
    hookDone()
  })

  fastify.addHook('onSend', (request, reply, payload, hookDone) => {
    const exchange = request.mirrorExchange
    if (exchange === null || !exchange.capturing) {
      hookDone(null, payload)
      return
    }
    exchange.onResponseHead(reply.statusCode, headerLines(reply.getHeaders()))
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
      exchange.onResponseData(typeof payload === 'string' ? Buffer.from(payload) : payload)
      hookDone(null, payload)
    } else if (payload !== null && typeof payload === 'object' && typeof (payload as Readable).pipe === 'function') {
      hookDone(null, teeReplyStream(payload as Readable, exchange))
    } else hookDone(null, payload)
  })

  fastify.addHook('onClose', async () => {
    await core.close()
  })
  done()
}

/** `app.register(mirror, { config, ... })`: copies a share of the app's requests to a shadow. */
export const mirror = fp(mirrorPlugin, { fastify: '5.x', name: 'shadowgate-mirror' })
