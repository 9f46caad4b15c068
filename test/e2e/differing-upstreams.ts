import type { ServerResponse } from 'node:http'
import { gzipSync } from 'node:zlib'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'

export type Side = 'primary' | 'shadow'

/**
 * Routes whose primary and shadow answers differ in one known way each, so every audited pair of a
 * route yields the same verdict and counts per route are exact. Paths are `/<route>/<id>`.
 */
export const DIFFERING_ROUTES = ['price', 'rename', 'reorder', 'noise', 'gzip', 'text', 'fail', 'unaudited', 'down', 'sampled-out'] as const
export type DifferingRoute = (typeof DIFFERING_ROUTES)[number]

/** Shadow timestamps are always a little later: noise that differs on every pair unless a rule ignores it. */
function stamp(side: Side): string {
  return new Date(Date.now() + (side === 'shadow' ? 1_234 : 0)).toISOString()
}

function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/**
 * The body the primary answers for a route, without its `generatedAt` noise: what a client must
 * receive through the gateway (a string for text routes).
 */
export function primaryBody(route: DifferingRoute, id: number): unknown {
  switch (route) {
    case 'price':
    case 'unaudited':
      return { id, price: 10.5 }
    case 'rename':
      return { id, name: `item ${id}` }
    case 'reorder':
      return { id, tags: ['red', 'green', 'blue'], sizes: ['S', 'M', 'L'] }
    case 'noise':
      return { id, status: 'ok' }
    case 'gzip':
      return { id, items: Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}`, qty: i })), total: 3 }
    case 'text':
      return `hello ${id} from v1`
    case 'fail':
      return { id, value: 1 }
    case 'down':
    case 'sampled-out':
      return { id }
  }
}

/** The shadow's version of the same answer: the known difference of the route. */
function shadowBody(route: DifferingRoute, id: number): unknown {
  const p = primaryBody(route, id) as Record<string, unknown>
  switch (route) {
    case 'price':
    case 'unaudited':
      return { ...p, price: 11 }
    case 'rename':
      return { id, title: `item ${id}` }
    case 'reorder':
      // tags rotated (declared ordered by default), sizes shuffled (declared unordered: no difference).
      return { id, tags: ['blue', 'red', 'green'], sizes: ['L', 'S', 'M'] }
    case 'gzip':
      return { ...p, total: 4 }
    case 'text':
      return `hello ${id} from v2`
    default:
      return p
  }
}

function answer(side: Side, url: string, res: ServerResponse): void {
  const [, route, rawId] = url.split('/')
  const id = Number(rawId)
  if (!(DIFFERING_ROUTES as readonly string[]).includes(route ?? '') || !Number.isInteger(id)) return sendJson(res, { error: 'not found', url }, 404)
  const r = route as DifferingRoute
  const body = side === 'primary' ? primaryBody(r, id) : shadowBody(r, id)
  if (r === 'text') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    res.end(body as string)
    return
  }
  if (r === 'fail' && side === 'shadow') return sendJson(res, { error: 'internal' }, 500)
  const withNoise = { ...(body as Record<string, unknown>), generatedAt: stamp(side) }
  if (r === 'gzip') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    res.end(gzipSync(JSON.stringify(withNoise)))
    return
  }
  sendJson(res, withNoise)
}

/** The primary (v1) and shadow (v2) as real HTTP servers on 127.0.0.1 that record what they received. */
export async function startDifferingUpstreams(): Promise<{ primary: TestServer; shadow: TestServer }> {
  const primary = await startServer((req, res) => answer('primary', req.url ?? '/', res))
  try {
    const shadow = await startServer((req, res) => answer('shadow', req.url ?? '/', res))
    return { primary, shadow }
  } catch (err) {
    await primary.close()
    throw err
  }
}

/**
 * Route rules for the routes above: every JSON route ignores `$.generatedAt`; `reorder` declares
 * `$.sizes` unordered; `unaudited` is mirrored but not audited; `down` mirrors to `downShadow`
 * (nothing listens there); `sampled-out` is not mirrored.
 */
export function differingRoutesYaml(downShadow: string): string {
  const ignore = `ignore: ["$.generatedAt"]`
  return `
routes:
  - { name: price, match: "/price/:id", mirror: { percent: 100 }, audit: { ${ignore} } }
  - { name: rename, match: "/rename/:id", mirror: { percent: 100 }, audit: { ${ignore} } }
  - { name: reorder, match: "/reorder/:id", mirror: { percent: 100 }, audit: { ${ignore}, arrays: { "$.sizes": unordered } } }
  - { name: noise, match: "/noise/:id", mirror: { percent: 100 }, audit: { ${ignore} } }
  - { name: gzip, match: "/gzip/:id", mirror: { percent: 100 }, audit: { ${ignore} } }
  - { name: text, match: "/text/:id", mirror: { percent: 100 } }
  - { name: fail, match: "/fail/:id", mirror: { percent: 100 }, audit: { ${ignore} } }
  - { name: unaudited, match: "/unaudited/:id", mirror: { percent: 100 }, audit: { percent: 0, ${ignore} } }
  - { name: down, match: "/down/:id", shadow: "${downShadow}", mirror: { percent: 100 }, audit: { ${ignore} } }
  - { name: sampled-out, match: "/sampled-out/:id", mirror: { percent: 0 } }
`
}
