import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { bearerAccessAllowed } from '@shadowgate/shared'
import type { Registry } from 'prom-client'
import type { MismatchGroup } from '../mismatch/mismatch-group.js'

export const DEFAULT_MISMATCH_LIMIT = 20
export const MAX_MISMATCH_LIMIT = 1_000

export interface AuditHttpAppOptions {
  /** Reads mismatch groups (MismatchStore.list). */
  readonly listMismatches: (options: { route?: string | undefined; limit: number }) => Promise<MismatchGroup[]>
  /** The worker's own prom-client Registry. */
  readonly registry: Registry
  /** True while the worker runs; /healthz answers 503 otherwise. */
  readonly healthy: () => boolean
  /**
   * worker.http.token: with it, every endpoint but /healthz wants `Authorization: Bearer <token>`;
   * without it (the config allows that on a loopback host only), only loopback callers are served.
   */
  readonly token: string | undefined
  readonly logger?: FastifyBaseLogger
}

/** Probes need no token, as the admin API's /healthz and /readyz. */
const PUBLIC_PATHS = new Set(['/healthz'])

function bad(message: string): { statusCode: number; body: { error: string; message: string } } {
  return { statusCode: 400, body: { error: 'bad_request', message } }
}

/**
 * The audit worker's HTTP API: `GET /mismatches?route=&limit=` (mismatch groups as JSON),
 * `GET /healthz` and `GET /metrics`, under the admin API's token rule. Returns the app; it never
 * listens (the CLI entry does).
 */
export function buildAuditHttpApp(options: AuditHttpAppOptions): FastifyInstance {
  // Request logs are info-level noise for a scrape endpoint: only warnings and errors of the app are logged.
  const app = Fastify(options.logger ? { loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) } : { logger: false })

  app.addHook('onRequest', async (req, reply) => {
    if (PUBLIC_PATHS.has(req.url.split('?')[0] ?? '')) return
    if (!bearerAccessAllowed(options.token, req.headers.authorization, req.socket.remoteAddress)) {
      await reply.code(401).header('www-authenticate', 'Bearer realm="shadowgate-audit"').send({ error: 'unauthorized', message: 'a valid bearer token is required' })
    }
  })

  app.get('/healthz', async (_req, reply) => {
    const ok = options.healthy()
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'stopped' })
  })

  app.get('/metrics', async (_req, reply) => {
    const text = await options.registry.metrics()
    return reply.type(options.registry.contentType).send(text)
  })

  app.get('/mismatches', async (req, reply) => {
    const q = req.query as Record<string, string | string[] | undefined>
    const route = q['route']
    const limitRaw = q['limit']
    if (Array.isArray(route) || Array.isArray(limitRaw)) {
      const r = bad('route and limit may each be given once')
      return reply.code(r.statusCode).send(r.body)
    }
    let limit = DEFAULT_MISMATCH_LIMIT
    if (limitRaw !== undefined && limitRaw !== '') {
      limit = Number(limitRaw)
      if (!/^[0-9]+$/.test(limitRaw) || limit < 1 || limit > MAX_MISMATCH_LIMIT) {
        const r = bad(`limit must be a whole number between 1 and ${MAX_MISMATCH_LIMIT} (got "${limitRaw}")`)
        return reply.code(r.statusCode).send(r.body)
      }
    }
    const groups = await options.listMismatches({ route: route === '' ? undefined : route, limit })
    return reply.send({ groups })
  })

  return app
}
