import { createServer } from 'node:http'
import type { RunningRole } from '../child-protocol.js'
import { closeServer, listenLocal } from './listen-local.js'

/** About 1 KB of JSON, built once: the bench measures proxies, not serialisation. */
function responseBody(changed = false): Buffer {
  const items = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, sku: `SKU-${1000 + i}`, price: changed && i === 3 ? 0.5 : 9.99 + i, stock: 40 - i }))
  return Buffer.from(JSON.stringify({ page: 1, total: items.length, items }))
}

export const UPSTREAM_BODY = responseBody()
/** The same body with `$.items[3].price` changed: what a shadow with `mismatchEvery` sends now and then. */
const CHANGED_BODY = responseBody(true)

/**
 * The origin and the shadows: answer every request with the same JSON, after `delayMs` when set
 * (the slow shadow), and with one changed price every `mismatchEvery`th time when set. The request
 * body is read fully before answering, as a real service would.
 */
export async function startUpstreamServer(delayMs: number, mismatchEvery?: number): Promise<RunningRole> {
  let received = 0
  const server = createServer((req, res) => {
    received++
    const body = mismatchEvery !== undefined && received % mismatchEvery === 0 ? CHANGED_BODY : UPSTREAM_BODY
    req.resume()
    req.once('end', () => {
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
        res.end(body)
      }
      if (delayMs > 0) setTimeout(answer, delayMs)
      else answer()
    })
  })
  // Longer than any client pool's idle timeout, so the server never closes a socket a pool is about to reuse.
  server.keepAliveTimeout = 30_000
  const port = await listenLocal(server)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => Promise.resolve({ received }),
    close: () => closeServer(server),
  }
}
