import { createServer, type IncomingHttpHeaders } from 'node:http'
import { Pool } from 'undici'
import type { RunningRole } from '../child-protocol.js'
import { closeServer, listenLocal } from './listen-local.js'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host'])

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v
  return out
}

/**
 * The yardstick: the least a Node proxy can do with undici. No routing, no timeouts beyond undici's
 * own, no metrics. With `shadow`, every request is also sent there fire-and-forget (body dumped,
 * errors ignored, no cap), which is the cheapest possible mirror.
 */
export async function startRawUndiciProxy(origin: string, shadow: string | undefined): Promise<RunningRole> {
  const primary = new Pool(origin, { connections: 256 })
  const copies = shadow === undefined ? undefined : new Pool(shadow, { connections: 128 })
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET'
    const hasBody = method !== 'GET' && method !== 'HEAD'
    const headers = endToEnd(req.headers)
    if (copies && !hasBody) {
      copies.request({ path: req.url ?? '/', method, headers }, (err, r) => {
        if (!err) r.body.dump().catch(() => undefined)
      })
    }
    // Callback request() + pipe(): on this machine the promise form with stream/promises pipeline()
    // measured about half the throughput, which would make a poor yardstick.
    primary.request({ path: req.url ?? '/', method, headers, body: hasBody ? req : null }, (err, up) => {
      if (err) {
        if (!res.headersSent) res.writeHead(502).end()
        else res.destroy()
        return
      }
      res.writeHead(up.statusCode, endToEnd(up.headers))
      up.body.once('error', () => res.destroy())
      up.body.pipe(res)
    })
  })
  const port = await listenLocal(server)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => Promise.resolve({}),
    async close() {
      await closeServer(server)
      await Promise.all([primary.close(), copies?.close()])
    },
  }
}
