import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidSettingError } from '../errors.js'
import type { WriteLogStatus } from '../writes/write-log-status.js'
import type { WriteStageStore } from '../writes/write-stage-store.js'

export interface WriteAdminOptions {
  readonly stages: WriteStageStore
  readonly status: WriteLogStatus
  /** Names who made a change (the admin API's actor rule). */
  readonly actor: (req: FastifyRequest) => string
}

interface RouteParams {
  name: string
}

function field(body: unknown, name: string): unknown {
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined
}

/**
 * The write log's admin endpoints: stage changes, status (lag, gaps, unknowns, parked entries),
 * acknowledgements and the list of failed entries. Same token rule as every admin endpoint.
 */
export function registerWriteAdminRoutes(app: FastifyInstance, opts: WriteAdminOptions): void {
  const { stages, status } = opts

  app.get('/writes', async () => ({ routes: await Promise.all(status.routes().map((r) => status.status(r))) }))

  app.get<{ Params: RouteParams }>('/writes/:name', async (req) => ({ route: await status.status(req.params.name) }))

  app.put<{ Params: RouteParams }>('/writes/:name/stage', async (req) => {
    const stage = await stages.setStage(req.params.name, field(req.body, 'stage'))
    req.log.info({ route: req.params.name, stage, by: opts.actor(req) }, 'write stage set through the admin API')
    return { route: req.params.name, stage }
  })

  app.post<{ Params: RouteParams }>('/writes/:name/ack', async (req) => {
    const id = field(req.body, 'id')
    if (typeof id !== 'string' || id === '') throw new InvalidSettingError('an acknowledgement needs the id of an open item (see shadowgate writes status)')
    const item = await status.ack(req.params.name, id, field(req.body, 'reason'), opts.actor(req))
    return { acknowledged: item }
  })

  app.get<{ Params: RouteParams }>('/writes/:name/failed', async (req) => ({ route: req.params.name, failed: await status.failed(req.params.name) }))
}
