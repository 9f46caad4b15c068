import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The known truth of one request: whether its difference is real and at which collapsed paths. */
export interface Label {
  readonly persistent: boolean
  readonly paths: readonly string[]
}

export interface Scenario {
  readonly route: string
  /** What the scenario holds, as the table prints it. */
  readonly what: string
  /** The route's `audit` rules, as YAML flow mapping content. */
  readonly audit: string
  label(key: number): Label
}

/** How long the lagging shadow takes to see a write. */
export const LAG_MS = 100
const NONE: Label = { persistent: false, paths: [] }

export const SCENARIOS: readonly Scenario[] = [
  { route: 'volatile', what: 'a UUID and a µs time per answer; every 10th: $.stock really changed', audit: '', label: (k) => (k % 10 === 0 ? { persistent: true, paths: ['$.stock'] } : NONE) },
  { route: 'lagging', what: `shadow sees each write ${LAG_MS} ms late; every read follows a write`, audit: '', label: () => NONE },
  { route: 'headers', what: 'content-type spelled differently (case, spaces), same meaning', audit: '', label: () => NONE },
  { route: 'field', what: 'every 4th: $.price really changed', audit: '', label: (k) => (k % 4 === 0 ? { persistent: true, paths: ['$.price'] } : NONE) },
  { route: 'reorder', what: '$.tags reordered (declared unordered); every 5th: a tag really replaced', audit: 'arrays: { "$.tags": unordered }', label: (k) => (k % 5 === 0 ? { persistent: true, paths: ['$.tags[*]'] } : NONE) },
]

let tick = 0
function microTime(): string {
  tick = (tick + 1) % 1000
  return new Date().toISOString().replace('Z', `${String(tick).padStart(3, '0')}Z`)
}

/** Writes per key of the lagging route: the primary sees each at once, the shadow LAG_MS later. */
const writes = new Map<number, number>()

/** The write that precedes every read of the lagging route. */
export function writeBeforeRead(key: number): void {
  writes.set(key, performance.now())
}

function answer(side: 'primary' | 'shadow', route: string, key: number): { body: unknown; contentType: string } {
  const shadow = side === 'shadow'
  const json = 'application/json'
  switch (route) {
    case 'volatile':
      return { body: { id: key, requestId: randomUUID(), generatedAt: microTime(), name: `item ${key}`, stock: shadow && key % 10 === 0 ? 4 : 5 }, contentType: json }
    case 'lagging': {
      const at = writes.get(key)
      const visible = at !== undefined && (!shadow || performance.now() - at >= LAG_MS)
      return { body: { id: key, version: visible ? 2 : 1 }, contentType: json }
    }
    case 'headers':
      return { body: { id: key, ok: true }, contentType: shadow ? 'application/json;charset=utf-8' : 'Application/JSON; charset=UTF-8' }
    case 'field':
      return { body: { id: key, price: shadow && key % 4 === 0 ? 12.5 : 10, currency: 'EUR' }, contentType: json }
    case 'reorder': {
      const tags = ['a', 'b', 'c', 'd']
      if (shadow) tags.reverse()
      if (shadow && key % 5 === 0) tags[0] = 'x'
      return { body: { id: key, tags }, contentType: json }
    }
    default:
      return { body: { error: 'unknown route' }, contentType: json }
  }
}

export interface CorpusServer {
  readonly url: string
  close(): Promise<void>
}

/** One side of the corpus as a real HTTP server on 127.0.0.1 (`/<route>/<key>`). */
export async function startCorpusServer(side: 'primary' | 'shadow'): Promise<CorpusServer> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const [, route = '', key = '0'] = (req.url ?? '/').split('?')[0]?.split('/') ?? []
    const { body, contentType } = answer(side, route, Number(key))
    res.writeHead(200, { 'content-type': contentType })
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
