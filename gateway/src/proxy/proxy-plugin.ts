import { METHODS, type IncomingMessage } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import type { ShadowgateConfig } from '@shadowgate/shared'
import type { FastifyPluginCallback, FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { AmbiguousRequestError, UpstreamUnavailableError } from '../errors.js'
import { GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { TrafficObserver } from '../metrics/traffic-observer.js'
import { RouteTable, UNMATCHED_ROUTE } from '../routes/route-table.js'
import { StaticRouteSettings } from '../routes/static-route-settings.js'
import type { RouteSettingsSource } from '../runtime/route-settings-source.js'
import { hasDuplicateHost } from './duplicate-host.js'
import { createPrimaryAgent } from './primary-agent.js'
import { PrimaryForwarder } from './primary-forwarder.js'
import type { PrimaryObserver } from './primary-observer.js'
import { hasRequestBody } from './request-body.js'
import { sendGatewayError } from './send-gateway-error.js'
import { TrustedProxies } from './trusted-proxies.js'
import { WebSocketPassthrough } from './websocket-passthrough.js'
import type { WriteHook } from './write-hook.js'

export interface ProxyPluginOptions {
  readonly config: ShadowgateConfig
  /** Which upstream is primary for a route, read on every request. Default: the config's values. */
  readonly settings?: RouteSettingsSource
  readonly metrics?: GatewayMetrics
  /** Dispatcher for primary traffic; default: an undici Agent sized by `proxy.*`, closed with the app. */
  readonly dispatcher?: Dispatcher
  /** Route rule name of a request, undefined when none matched. Default: matched against `config.routes`. */
  readonly routeOf?: (request: FastifyRequest) => string | undefined
  /** Same for upgrade requests (which never reach Fastify's lifecycle). */
  readonly upgradeRouteOf?: (req: IncomingMessage) => string | undefined
  /** Watches a request's primary response (e.g. to capture it for an audit pair). */
  readonly observerOf?: (request: FastifyRequest) => PrimaryObserver | undefined
  /** Wraps the forwarding of logged writes (the write log); routes it does not handle cost one lookup. */
  readonly writeHook?: WriteHook
  /** Told of every completed request (access audit, slow log, request metrics). Default: none. */
  readonly traffic?: TrafficObserver
  /** Upstream that serves this request instead of its route's primary (a migration stage's choice); undefined: the primary. */
  readonly upstreamOf?: (request: FastifyRequest) => string | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Forwards a request to the primary of `route` (global primary when undefined), reading the
     * body from the raw request. For requests that never reach a route, like URLs Fastify's
     * router refuses to decode.
     */
    forwardToPrimary(request: FastifyRequest, reply: FastifyReply, route?: string): void
  }
}

/**
 * The gateway's proxy: every request, whatever its method, path or content type, is forwarded to
 * the primary upstream of its route and the answer streamed back untouched. Upgrade requests
 * (WebSocket) are tunnelled to the same primary.
 *
 * Forwarding happens in a route-level preParsing hook: it is the last point where the body is
 * still an unread stream - after other plugins (the mirror) had their chance to wrap it - and the
 * point before which Fastify would parse it, apply its body limit or refuse unknown content types.
 * The reply is hijacked there, so the rest of Fastify's lifecycle never runs for proxied requests.
 */
const proxyPlugin: FastifyPluginCallback<ProxyPluginOptions> = (fastify, opts, done) => {
  const { config } = opts
  const settings = opts.settings ?? new StaticRouteSettings(config)
  const ownedDispatcher = opts.dispatcher === undefined ? createPrimaryAgent(config.proxy) : undefined
  const trustedProxies = new TrustedProxies(config.proxy.trustedProxies)
  const forwarder = new PrimaryForwarder({
    dispatcher: opts.dispatcher ?? (ownedDispatcher as Dispatcher),
    timeoutMs: config.proxy.timeoutMs,
    clientWriteTimeoutMs: config.proxy.clientWriteTimeoutMs,
    hostHeader: config.proxy.hostHeader,
    trustedProxies,
    metrics: opts.metrics ?? new GatewayMetrics(),
    log: fastify.log,
    traffic: opts.traffic,
  })
  let routeOf = opts.routeOf
  let upgradeRouteOf = opts.upgradeRouteOf
  if (routeOf === undefined || upgradeRouteOf === undefined) {
    const table = new RouteTable(config.routes)
    routeOf ??= (request) => table.match(request.raw.method ?? 'GET', request.raw.url ?? '/')?.name
    upgradeRouteOf ??= (req) => table.match(req.method ?? 'GET', req.url ?? '/')?.name
  }
  const observerOf = opts.observerOf
  const writeHook = opts.writeHook

  const primaryOf = (route: string | undefined): string => (route === undefined ? config.primary : settings.primary(route))

  const forwardRequest = (request: FastifyRequest, reply: FastifyReply, payload: Readable, route: string | undefined): void => {
    reply.hijack()
    const req = request.raw
    let upstream: string
    try {
      upstream = opts.upstreamOf?.(request) ?? primaryOf(route)
    } catch (err) {
      fastify.log.error({ err, route, url: req.url }, 'no primary upstream could be chosen for the request')
      sendGatewayError(reply.raw, new UpstreamUnavailableError(`no primary upstream for route ${route ?? UNMATCHED_ROUTE}: ${(err as Error).message}`, { cause: err }))
      return
    }
    const body = hasRequestBody(req) ? payload : null
    if (writeHook !== undefined && route !== undefined && writeHook.handles(route, req.method ?? 'GET')) {
      writeHook.forward(req, reply.raw, body, route, observerOf?.(request), (b, target, observer) => {
        const shadow = target === 'new' ? settings.shadow(route) : undefined
        forwarder.forward(req, reply.raw, b, route, shadow ?? upstream, observer)
      })
      return
    }
    forwarder.forward(req, reply.raw, body, route ?? UNMATCHED_ROUTE, upstream, observerOf?.(request))
  }
  fastify.decorate('forwardToPrimary', (request: FastifyRequest, reply: FastifyReply, route?: string) => forwardRequest(request, reply, request.raw, route))

  const forward: preParsingHookHandler = (request, reply, payload) => {
    // Never calls done(): the hijacked reply ends Fastify's lifecycle here.
    forwardRequest(request, reply, payload, routeOf(request))
  }

  // Proxy every method Node's parser accepts, not only the ones Fastify knows. CONNECT never
  // reaches the request handler (Node emits 'connect'), so it is left out.
  for (const method of METHODS) {
    if (method !== 'CONNECT' && !fastify.supportedMethods.includes(method)) fastify.addHttpMethod(method, { hasBody: true })
  }
  fastify.route({
    method: fastify.supportedMethods,
    url: '/*',
    exposeHeadRoute: false,
    preParsing: forward,
    handler: async () => {
      throw new Error('unreachable: the preParsing hook hijacks every proxied request')
    },
  })

  const ws = new WebSocketPassthrough({ hostHeader: config.proxy.hostHeader, log: fastify.log, trustedProxies })
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Upgrades skip Fastify's hooks, so the gateway's refusal of ambiguous requests is repeated here.
    if (hasDuplicateHost(req.rawHeaders)) {
      const error = new AmbiguousRequestError('more than one Host header')
      const body = JSON.stringify({ error: error.message, code: error.code })
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`, () => socket.destroy())
      return
    }
    let route: string | undefined
    let upstream: string
    try {
      route = upgradeRouteOf(req)
      upstream = primaryOf(route)
    } catch (err) {
      fastify.log.error({ err, url: req.url }, 'no primary upstream could be chosen for the upgrade request')
      socket.destroy()
      return
    }
    ws.relay(req, socket, head, upstream, route ?? UNMATCHED_ROUTE)
  }
  fastify.server.on('upgrade', onUpgrade)
  // Tunnels are not requests: the HTTP server's close would wait for them forever.
  fastify.addHook('preClose', (hookDone) => {
    ws.close()
    hookDone()
  })
  fastify.addHook('onClose', async () => {
    fastify.server.off('upgrade', onUpgrade)
    ws.close()
    await ownedDispatcher?.destroy()
  })
  done()
}

/** Registers the proxy on a Fastify app. Meant as the app's catch-all: it claims every path and method. */
export const proxy = fp(proxyPlugin, { fastify: '5.x', name: 'shadowgate-proxy' })
