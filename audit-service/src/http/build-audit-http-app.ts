import { parseDuration } from '@shadowgate/shared'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
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
  /** More of the worker's state for /healthz (its rules fingerprints, pairs judged under other rules). */
  readonly status?: () => Record<string, unknown>
  readonly logger?: FastifyBaseLogger
  /** Clock for `since`; default Date.now. */
  readonly now?: () => number
}

function bad(message: string): { statusCode: number; body: { error: string; message: string } } {
  return { statusCode: 400, body: { error: 'bad_request', message } }
}

/** A `since` span in ms (`10m`, `2h`, `7d`, or ms), or undefined when it is not a positive duration. */
export function sinceDuration(text: string): number | undefined {
  const ms = parseDuration(text)
  return ms !== undefined && ms > 0 ? ms : undefined
}

/**
 * The audit worker's HTTP API: `GET /mismatches?route=&limit=&since=` (mismatch groups as JSON),
 * `GET /healthz` and `GET /metrics`. Returns the app; it never listens (the CLI entry does).
 */
export function buildAuditHttpApp(options: AuditHttpAppOptions): FastifyInstance {
  // Request logs are info-level noise for a scrape endpoint: only warnings and errors of the app are logged.
  const app = Fastify(options.logger ? { loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) } : { logger: false })

  app.get('/healthz', async (_req, reply) => {
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
    if (Array.isArray(route) || Array.isArray(limitRaw) || Array.isArray(sinceRaw)) {
      const r = bad('route, limit and since may each be given once')
      return reply.code(r.statusCode).send(r.body)
    }
    let sinceMs: number | undefined
    if (sinceRaw !== undefined && sinceRaw !== '') {
      const span = sinceDuration(sinceRaw)
      if (span === undefined) {
        const r = bad(`since must be a duration such as 10m, 2h or 7d (got "${sinceRaw}")`)
        return reply.code(r.statusCode).send(r.body)
      }
      sinceMs = (options.now ?? Date.now)() - span
    }
    let limit = DEFAULT_MISMATCH_LIMIT
    if (limitRaw !== undefined && limitRaw !== '') {
      limit = Number(limitRaw)
      if (!/^[0-9]+$/.test(limitRaw) || limit < 1 || limit > MAX_MISMATCH_LIMIT) {
        const r = bad(`limit must be a whole number between 1 and ${MAX_MISMATCH_LIMIT} (got "${limitRaw}")`)
        return reply.code(r.statusCode).send(r.body)
      }
    }
    const groups = await options.listMismatches({ route: route === '' ? undefined : route, limit, sinceMs })
    return reply.send({ groups })
  })

  return app
}
