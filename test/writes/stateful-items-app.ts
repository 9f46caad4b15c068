import type { ServerResponse } from 'node:http'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'

export interface StoredItem {
  readonly id: string
  readonly name: string
  /** How many writes changed this item: equal on both sides only if every write arrived, in order. */
  readonly version: number
  /** Sequence numbers of the writes applied, in the order applied. */
  readonly seqs: readonly number[]
}

/** One write as the app received it. */
export interface AppliedWrite {
  readonly method: string
  readonly id: string
  readonly key: string | undefined
  readonly seq: number | undefined
  readonly status: number
  /** A key seen before: answered as the first time, not applied again. */
  readonly duplicate: boolean
}

export interface ItemsApp {
  readonly server: TestServer
  readonly url: string
  readonly items: Map<string, StoredItem>
  readonly writes: AppliedWrite[]
  /** Answer every write with this status instead of applying it (undefined: behave). */
  failWith: number | undefined
  /** Writes wait this long before being answered (applied at once, answered late). */
  writeDelayMs: number
  /** How this side stores an item (e.g. a field kept differently from the other side); undefined: as written. */
  storeAs: ((item: StoredItem) => StoredItem) | undefined
  /** A status answered to GET /items/:id instead of the item (a read that fails); undefined: the item. */
  readFailure: ((id: string) => number | undefined) | undefined
  close(): Promise<void>
}

function json(res: ServerResponse, status: number, body?: unknown): void {
  res.statusCode = status
  if (body === undefined) return void res.end()
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
}

/**
 * A small stateful items API: POST /items creates (409 when the id exists), PUT /items/:id upserts,
 * PATCH /items/:id renames (404 when missing), DELETE /items/:id removes; GET reads. Items carry a
 * version and the sequence numbers of the writes applied, so two sides can be compared exactly.
 */
export async function startItemsApp(): Promise<ItemsApp> {
  const items = new Map<string, StoredItem>()
  // An idempotent API: a repeated key gets the first answer again and changes nothing.
  const answered = new Map<string, { status: number; out: unknown }>()
  const writes: AppliedWrite[] = []
  const app: Omit<ItemsApp, 'server' | 'url' | 'close'> = { items, writes, failWith: undefined, writeDelayMs: 0, storeAs: undefined, readFailure: undefined }
  const server = await startServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const m = /^\/items(?:\/([\w-]+))?$/.exec(path)
    if (!m) return json(res, 404, { error: 'no such path' })
    const id = m[1]
    if (req.method === 'GET') {
      if (id === undefined) return json(res, 200, { items: [...items.values()] })
      const failure = app.readFailure?.(id)
      if (failure !== undefined) return json(res, failure, { error: 'failing on purpose' })
      const it = items.get(id)
      return it ? json(res, 200, it) : json(res, 404, { error: 'not found' })
    }
    let body: { id?: unknown; name?: unknown; seq?: unknown } = {}
    if (req.body.length > 0) {
      try {
        body = JSON.parse(req.body.toString()) as typeof body
      } catch {
        return json(res, 400, { error: 'body is not JSON' })
      }
    }
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined
    const seq = typeof body.seq === 'number' ? body.seq : undefined
    const target = id ?? (typeof body.id === 'string' ? body.id : undefined)
    const first = key === undefined ? undefined : answered.get(key)
    if (first) {
      writes.push({ method: req.method ?? '', id: target ?? '', key, seq, status: first.status, duplicate: true })
      return json(res, first.status, first.out)
    }
    const answer = async (status: number, out?: unknown): Promise<void> => {
      writes.push({ method: req.method ?? '', id: target ?? '', key, seq, status, duplicate: false })
      if (key !== undefined && app.failWith === undefined) answered.set(key, { status, out })
      if (app.writeDelayMs > 0) await new Promise((r) => setTimeout(r, app.writeDelayMs))
      json(res, status, out)
    }
    if (app.failWith !== undefined) return answer(app.failWith, { error: 'failing on purpose' })
    if (target === undefined) return answer(400, { error: 'id is required' })
    const name = typeof body.name === 'string' ? body.name : ''
    const cur = items.get(target)
    const next = (): StoredItem => {
      const item = { id: target, name, version: (cur?.version ?? 0) + 1, seqs: [...(cur?.seqs ?? []), ...(seq === undefined ? [] : [seq])] }
      return app.storeAs?.(item) ?? item
    }
    switch (req.method) {
      case 'POST':
        if (cur) return answer(409, { error: 'exists' })
        items.set(target, next())
        return answer(201, items.get(target))
      case 'PUT':
        items.set(target, next())
        return answer(cur ? 200 : 201, items.get(target))
      case 'PATCH':
        if (!cur) return answer(404, { error: 'not found' })
        items.set(target, next())
        return answer(200, items.get(target))
      case 'DELETE':
        if (!cur) return answer(404, { error: 'not found' })
        items.delete(target)
        return answer(204)
      default:
        return answer(405, { error: 'method not allowed' })
    }
  })
  return Object.assign(app, { server, url: server.url, close: () => server.close() })
}
