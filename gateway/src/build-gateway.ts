import { hostname } from 'node:os'
import type { ShadowgateConfig } from '@shadowgate/shared'
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify'
import { AmbiguousRequestError } from './errors.js'
import { TrafficRecorder } from './capture/traffic-recorder.js'
import type { BuildGatewayOptions } from './gateway-options.js'
import { GatewayMetrics } from './metrics/gateway-metrics.js'
import { mirror } from './mirror/mirror-plugin.js'
import { answerClientError } from './proxy/answer-client-error.js'
import { clientTimeoutOptions } from './proxy/client-timeouts.js'
import { hasDuplicateHost } from './proxy/duplicate-host.js'
import { proxy } from './proxy/proxy-plugin.js'
import { sendGatewayError, sendJsonError } from './proxy/send-gateway-error.js'
import { UNMATCHED_ROUTE } from './routes/route-table.js'
import { StaticRouteSettings } from './routes/static-route-settings.js'

// The proxy forwards the raw query string; parsing it per request would be wasted work.
const NO_QUERY: Record<string, unknown> = Object.freeze(Object.create(null) as Record<string, unknown>)

/** Answers a request with two Host headers (400) and closes the connection; nothing is forwarded or copied. */
function refuseAmbiguous(reply: FastifyReply): void {
  reply.hijack()
  reply.raw.setHeader('connection', 'close')
  sendGatewayError(reply.raw, new AmbiguousRequestError('more than one Host header'))
}

/**
 * Builds the gateway: a Fastify app that forwards every request to its primary upstream and
 * copies a share of them to the shadow (the mirror plugin + the proxy). Returns the app ready to
 * listen; never listens. Closing the app releases everything it created: pools, tunnels, copies
 * in flight. Injected dispatchers are left open.
 */
export async function buildGateway(config: ShadowgateConfig, options: BuildGatewayOptions = {}): Promise<FastifyInstance> {
  const metrics = options.metrics ?? new GatewayMetrics()
  const settings = options.settings ?? new StaticRouteSettings(config)
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}`
  const app = Fastify({
    ...(options.logger === undefined ? {} : { loggerInstance: options.logger.child({ instance: instanceId }) }),
    // Access logs per request would cost more than the proxying itself; failures are logged.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { querystringParser: () => NO_QUERY },
    // Slow clients are bounded (Fastify would leave the whole-request deadline off); Fastify's own
    // requestTimeout option is applied after the server is created, so it must agree.
    http: clientTimeoutOptions(config.proxy),
    requestTimeout: config.proxy.clientRequestTimeoutMs,
    clientErrorHandler: answerClientError,
    frameworkErrors(error, request, reply) {
      // Fastify's router refuses paths it cannot percent-decode; an invisible proxy forwards them anyway.
      if (hasDuplicateHost(request.raw.rawHeaders)) return refuseAmbiguous(reply)
      if (error.code === 'FST_ERR_BAD_URL' && app.hasDecorator('forwardToPrimary')) {
        metrics.request(UNMATCHED_ROUTE)
        metrics.notMirrored(UNMATCHED_ROUTE, 'no_route')
        app.forwardToPrimary(request, reply)
        return
      }
      reply.hijack()
      sendJsonError(reply.raw, error.statusCode ?? 400, error.code, error.message)
    },
  })
  // Before the mirror sees the request: refused requests are neither forwarded nor copied.
  app.addHook('onRequest', (request, reply, done) => {
    if (!hasDuplicateHost(request.raw.rawHeaders)) return done()
    refuseAmbiguous(reply)
  })
  const traffic = options.traffic ?? new TrafficRecorder(config, { metrics, log: app.log, instance: instanceId })
  // A route being cut over holds its new requests here, before the mirror decides who serves them.
  const gate = options.requestGate
  if (gate !== undefined) {
    app.addHook('onRequest', (request, _reply, done) => {
      if (!gate.holding()) return done()
      const route = app.mirror.routes.match(request.raw.method ?? 'GET', request.raw.url ?? '/')
      if (route === undefined) return done()
      gate.admit(route.name, request.raw, done)
    })
  }
  const gateFigures = options.gateFigures
  if (gateFigures !== undefined) {
    // Reads only (what a stage moves between sides), after the answer went out: counting in memory only.
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.mirrorRoute
      if (route !== null && route.mirrorMethods.has(request.raw.method ?? '')) gateFigures.record(route.name, request.mirrorUpstream === null ? 'old' : 'new', reply.statusCode, reply.elapsedTime)
      done()
    })
  }
  await app.register(mirror, { config, settings, metrics, pairSink: options.pairSink, shadowDispatcher: options.shadowDispatcher, copyObserver: options.copyObserver, traffic, servesReads: true })
  await app.register(proxy, {
    config,
    settings,
    metrics,
    dispatcher: options.primaryDispatcher,
    routeOf: (request) => request.mirrorRoute?.name,
    upgradeRouteOf: (req) => app.mirror.upgrade(req)?.name,
    observerOf: (request) => request.mirrorObserver,
    writeHook: options.writeHook,
    traffic,
    upstreamOf: (request) => request.mirrorUpstream ?? undefined,
  })
  return app
}
