import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { ShadowgateConfig } from '@shadowgate/shared'
import { AdminNotFoundError, AdminUnauthorizedError, GatewayError, StageNeedsRedisError } from '../errors.js'
import { clientErrorHandler } from '../proxy/answer-client-error.js'
import type { RuntimeSettings } from '../runtime/runtime-settings.js'
import type { CutoverCoordinator } from '../cutover/cutover-coordinator.js'
import { cutoverOutcomeJson } from '../cutover/cutover-outcome.js'
import { adminAdmissionError } from './admin-admission.js'
import { adminFrameworkError, type FrameworkError } from './admin-framework-error.js'
import type { AdminMetricsSource } from './admin-metrics-source.js'
import { parseMirrorUpdate } from './mirror-update.js'
import { loadRampJson } from './load-ramp-json.js'
import { mirrorChangeJson, routeListingEntry } from './route-listing.js'
import { parseLoadStart } from '../runtime/load-start.js'
import { registerWriteAdminRoutes, type WriteAdminOptions } from './write-admin-routes.js'
import { stageChangeJson } from '../runtime/stage-move.js'
import { gateStatusJson } from './gate-status.js'
import { parseCutover, parseRollback, parseStageUpdate, stageStatusJson } from './stage-update.js'

export interface BuildAdminOptions {
  readonly config: ShadowgateConfig
  readonly settings: RuntimeSettings
  readonly metrics: AdminMetricsSource
  /** Whether the traffic listener is up and accepting (drives /readyz); default: always. */
  readonly ready?: () => boolean
  /** A pino logger; default: no logging. */
  readonly logger?: FastifyBaseLogger
  /** The write log's stages and status; without it the /writes endpoints are not served. */
  readonly writes?: Omit<WriteAdminOptions, 'actor'>
  /** Runs cut-overs (needs Redis); without it a cut-over is refused. */
  readonly cutover?: CutoverCoordinator
}

interface RouteParams {
  name: string
}

/** Names who made a change in the log and the stored setting (the CLI sends the local user). */
const ACTOR_HEADER = 'x-shadowgate-actor'

const BODY_LIMIT_BYTES = 16_384

function sendError(reply: FastifyReply, err: GatewayError): FastifyReply {
  if (err instanceof AdminUnauthorizedError) reply.header('www-authenticate', 'Bearer realm="shadowgate-admin"')
  return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } })
}

/** Requests the parser refused never reach a route or a hook: answered in the admin API's shape. */
const answerAdminClientError = clientErrorHandler((a) => ({
  error: { code: a.code, message: a.code === 'SG_CLIENT_TIMEOUT' ? 'the request was not received in time' : a.message },
}))

function internalError(): GatewayError {
  return new GatewayError('SG_ADMIN_INTERNAL', 500, 'the admin API failed to answer; see the gateway log')
}

function actor(req: FastifyRequest): string {
  const h = req.headers[ACTOR_HEADER]
  const name = typeof h === 'string' ? h.replace(/[^\w.@:+-]/g, '').slice(0, 64) : ''
  return `${name || 'admin'}@${req.ip}`
}

/**
 * Builds the admin API (never listens): route listing with counters, runtime mirror changes,
 * health, readiness and Prometheus metrics. It runs on its own listener, apart from traffic.
 */
export async function buildAdmin(opts: BuildAdminOptions): Promise<FastifyInstance> {
  const { config, settings, metrics } = opts
  const ready = opts.ready ?? (() => true)
  // Cast: the logger's concrete type would leak into the instance's generics; callers need a FastifyInstance.
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    // Probes and scrapes would flood the log; changes are logged by RuntimeSettings with their author.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    clientErrorHandler: answerAdminClientError,
    // The router's own refusals (bad percent-encoding, an overlong segment) skip every hook: check access first here too.
    frameworkErrors: (err: FrameworkError, req, reply) => {
      const refused = adminAdmissionError(config.admin, req) ?? adminFrameworkError(err, req, BODY_LIMIT_BYTES)
      return sendError(reply, refused ?? internalError())
    },
  }) as unknown as FastifyInstance

  app.addHook('onRequest', async (req, reply) => {
    const refused = adminAdmissionError(config.admin, req)
    if (refused) await sendError(reply, refused)
  })

  app.setNotFoundHandler((req, reply) => sendError(reply, new AdminNotFoundError(req.method, req.url)))

  app.setErrorHandler((err: FrameworkError, req, reply) => {
    const known = adminFrameworkError(err, req, BODY_LIMIT_BYTES)
    if (known) return sendError(reply, known)
    req.log.error({ err }, 'admin request failed')
    return sendError(reply, internalError())
  })

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_req, reply) => {
    const isReady = ready()
    // The runtime store is reported, not required: without Redis the gateway serves from its file config.
    return reply.status(isReady ? 200 : 503).send({ ready: isReady, runtimeStore: settings.storeState() })
  })

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics()
    return reply.header('content-type', metrics.registry.contentType).send(text)
  })

  app.get('/routes', async () => {
    const counters = await metrics.snapshot()
    const now = Date.now()
    return { routes: settings.list().map((v) => routeListingEntry(v, counters[v.name], now)) }
  })

  app.get<{ Params: RouteParams }>('/routes/:name', async (req) => {
    const view = settings.view(req.params.name)
    const counters = await metrics.snapshot()
    return { route: routeListingEntry(view, counters[view.name], Date.now()) }
  })

  app.put<{ Params: RouteParams }>('/routes/:name/mirror', async (req) => {
    const name = req.params.name
    settings.view(name) // unknown route: 404 before looking at the body
    const update = parseMirrorUpdate(req.body, settings.maxPercent)
    const change = await settings.setMirror(name, update.percent, { ttlMs: update.ttlMs, by: actor(req) })
    return { change: mirrorChangeJson(change) }
  })

  app.delete<{ Params: RouteParams }>('/routes/:name/mirror', async (req) => {
    const change = await settings.resetMirror(req.params.name, { by: actor(req) })
    return { change: mirrorChangeJson(change) }
  })

  app.get('/load', async () => {
    const now = Date.now()
    return { routes: settings.list().map((v) => loadRampJson(v.name, settings.loadRamp(v.name), v.percent, now)) }
  })

  app.post<{ Params: RouteParams }>('/routes/:name/load', async (req, reply) => {
    const name = req.params.name
    settings.view(name) // unknown route: 404 before looking at the body
    const start = parseLoadStart(req.body, { by: actor(req), defaultMaxDurationMs: config.load.maxDurationMs })
    const load = await settings.startLoad(name, start)
    return reply.status(201).send({ load: loadRampJson(name, load, settings.mirrorPercent(name), Date.now()) })
  })

  app.delete<{ Params: RouteParams }>('/routes/:name/load', async (req) => {
    const name = req.params.name
    const out = await settings.stopLoad(name, { state: 'stopped', reason: 'load stop', by: actor(req) })
    return { stopped: out.stopped, load: loadRampJson(name, out.load, settings.mirrorPercent(name), Date.now()) }
  })

  if (opts.writes) registerWriteAdminRoutes(app, { ...opts.writes, actor })

  // Migration stages: the state of every route, one route with its change log, a move, a rollback.
  app.get('/stages', async () => ({ routes: settings.list().map(stageStatusJson) }))

  app.get<{ Params: RouteParams }>('/routes/:name/stage', async (req) => {
    const view = settings.view(req.params.name)
    // The log is context: a Redis that cannot answer leaves it empty rather than failing the status.
    const log = await settings.stageLog({ route: view.name }).catch(() => [])
    const gate = gateStatusJson(await settings.gateDecision(view.name).catch(() => null))
    return { route: stageStatusJson(view), log, gate }
  })

  app.put<{ Params: RouteParams }>('/routes/:name/stage', async (req) => {
    const name = req.params.name
    settings.view(name)
    const u = parseStageUpdate(req.body)
    const change = await settings.setStage(name, u.stage, { serve: u.serve, mirror: u.mirror, expected: u.expected, reason: u.reason, by: actor(req) })
    return { change: stageChangeJson(change) }
  })

  app.post<{ Params: RouteParams }>('/routes/:name/stage/rollback', async (req) => {
    const name = req.params.name
    settings.view(name)
    const change = await settings.rollbackStage(name, { reason: parseRollback(req.body).reason, by: actor(req) })
    return { change: stageChangeJson(change) }
  })

  app.post<{ Params: RouteParams }>('/routes/:name/cutover', async (req) => {
    const name = req.params.name
    settings.view(name)
    const body = parseCutover(req.body)
    if (opts.cutover === undefined) throw new StageNeedsRedisError()
    return { cutover: cutoverOutcomeJson(await opts.cutover.run(name, { to: body.to, reason: body.reason, by: actor(req) })) }
  })

  return app
}
