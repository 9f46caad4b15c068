import { bearerAccessAllowed, hostOriginRefusal, parseDuration, type HostOriginRules } from '@shadowgate/shared'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Registry } from 'prom-client'
import { ApiBadRequestError, ApiHostNotAllowedError, ApiNotFoundError, ApiOriginNotAllowedError, ApiUnauthorizedError, AuditApiError } from '../errors.js'
import type { MismatchGroup } from '../mismatch/mismatch-group.js'

export const DEFAULT_MISMATCH_LIMIT = 20
export const MAX_MISMATCH_LIMIT = 1_000

export interface AuditHttpAppOptions {
  /** Reads mismatch groups (MismatchStore.list). */
  readonly listMismatches: (options: { route?: string | undefined; limit: number; sinceMs?: number | undefined }) => Promise<MismatchGroup[]>
  /** The worker's own prom-client Registry. */
  readonly registry: Registry
  /** True while the worker runs; /healthz answers 503 otherwise. */
  readonly healthy: () => boolean
  /**
   * worker.http.token: with it, every endpoint but /healthz wants `Authorization: Bearer <token>`;
   * without it (the config allows that on a loopback host only), only loopback callers are served.
   */
  readonly token: string | undefined
  /** Which Host and Origin headers are served (worker.http); default: loopback names only, no Origin. */
  readonly access?: HostOriginRules
  /** More of the worker's state for /healthz (its rules fingerprints, pairs judged under other rules). */
  readonly status?: () => Record<string, unknown>
  readonly logger?: FastifyBaseLogger
  /** Clock for `since`; default Date.now. */
  readonly now?: () => number
}

/** Probes may come from a load balancer with any Host; they reveal nothing but up/down. */
const PROBE_PATH = '/healthz'

type FrameworkError = Error & { code?: string; statusCode?: number }

function sendError(reply: FastifyReply, err: AuditApiError): FastifyReply {
  return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } })
}

/**
 * DNS rebinding: a page on another site can reach this loopback API from a loopback peer under its
 * own name; only a Host naming this listener and no foreign Origin are served.
 */
function admissionError(req: FastifyRequest, access: HostOriginRules): AuditApiError | undefined {
  if (req.url.split('?')[0] === PROBE_PATH) return undefined
  const origin = req.headers.origin
  const refusal = hostOriginRefusal({ host: req.headers.host, origin: typeof origin === 'string' ? origin : undefined, localAddress: req.socket.localAddress }, access)
  if (refusal?.refused === 'host') return new ApiHostNotAllowedError(refusal.message)
  if (refusal?.refused === 'origin') return new ApiOriginNotAllowedError(refusal.message)
  return undefined
}

/** Fastify's own refusals (bad URL, body) in the API's shape; undefined for a failure of the API itself. */
function clientError(err: FrameworkError, req: FastifyRequest): AuditApiError | undefined {
  if (err instanceof AuditApiError) return err
  if (err.code === 'FST_ERR_BAD_URL') return new ApiBadRequestError(`the request target ${JSON.stringify(req.url.slice(0, 200))} is not a valid URL (bad percent-encoding?)`)
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new ApiBadRequestError(err.message, err.statusCode)
  return undefined
}

/** A `since` span in ms (`10m`, `2h`, `7d`, or ms), or undefined when it is not a positive duration. */
export function sinceDuration(text: string): number | undefined {
  const ms = parseDuration(text)
  return ms !== undefined && ms > 0 ? ms : undefined
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_MISMATCH_LIMIT
  const limit = Number(raw)
  if (!/^[0-9]+$/.test(raw) || limit < 1 || limit > MAX_MISMATCH_LIMIT) {
    throw new ApiBadRequestError(`limit must be a whole number between 1 and ${MAX_MISMATCH_LIMIT} (got "${raw.slice(0, 50)}")`)
  }
  return limit
}

/**
 * The audit worker's HTTP API: `GET /mismatches?route=&limit=&since=` (mismatch groups as JSON),
 * `GET /healthz` and `GET /metrics`, under the admin API's Host, Origin and token rules. Returns the app;
 * it never listens (the CLI entry does). Every error answers `{"error":{"code","message"}}`.
 */
export function buildAuditHttpApp(options: AuditHttpAppOptions): FastifyInstance {
  const access = options.access ?? { boundHost: '127.0.0.1', allowedHosts: [], allowedOrigins: [] }
  const internal = (): AuditApiError => new AuditApiError('SG_AUDIT_API_INTERNAL', 500, 'the audit API failed to answer; see the worker log')
  const app = Fastify({
    // Request logs are info-level noise for a scrape endpoint: only warnings and errors of the app are logged.
    ...(options.logger ? { loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) } : { logger: false }),
    // The router's own refusals skip every hook: the Host and Origin are checked here too.
    frameworkErrors: (err: FrameworkError, req, reply) => sendError(reply, admissionError(req, access) ?? clientError(err, req) ?? internal()),
  }) as unknown as FastifyInstance

  app.addHook('onRequest', async (req, reply) => {
    const refused = admissionError(req, access)
    if (refused) return await sendError(reply, refused)
    // Probes need no token, as the admin API's /healthz and /readyz.
    if (req.url.split('?')[0] === PROBE_PATH) return
    if (!bearerAccessAllowed(options.token, req.headers.authorization, req.socket.remoteAddress)) {
      await sendError(reply.header('www-authenticate', 'Bearer realm="shadowgate-audit"'), new ApiUnauthorizedError())
    }
  })
  app.setNotFoundHandler((req, reply) => sendError(reply, new ApiNotFoundError(req.method, req.url)))
  app.setErrorHandler((err: FrameworkError, req, reply) => {
    const known = clientError(err, req)
    if (known) return sendError(reply, known)
    req.log.error({ err }, 'audit API request failed')
    return sendError(reply, internal())
  })

  app.get(PROBE_PATH, async (_req, reply) => {
    const ok = options.healthy()
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'stopped', ...options.status?.() })
  })

  app.get('/metrics', async (_req, reply) => {
    const text = await options.registry.metrics()
    return reply.type(options.registry.contentType).send(text)
  })

  app.get('/mismatches', async (req, reply) => {
    const q = req.query as Record<string, string | string[] | undefined>
    const route = q['route']
    const limitRaw = q['limit']
    const sinceRaw = q['since']
    if (Array.isArray(route) || Array.isArray(limitRaw) || Array.isArray(sinceRaw)) throw new ApiBadRequestError('route, limit and since may each be given once')
    let sinceMs: number | undefined
    if (sinceRaw !== undefined && sinceRaw !== '') {
      const span = sinceDuration(sinceRaw)
      if (span === undefined) throw new ApiBadRequestError(`since must be a duration such as 10m, 2h or 7d (got "${sinceRaw.slice(0, 50)}")`)
      sinceMs = (options.now ?? Date.now)() - span
    }
    const limit = parseLimit(limitRaw)
    const groups = await options.listMismatches({ route: route === '' ? undefined : route, limit, sinceMs })
    return reply.send({ groups })
  })

  return app
}
