import { Agent, createServer } from 'node:http'
import httpProxy from 'http-proxy'
import type { RunningRole } from '../child-protocol.js'
import { closeServer, listenLocal } from './listen-local.js'

/** node-http-proxy with a keep-alive agent: the classic Node proxy, for comparison. */
export async function startNodeHttpProxy(origin: string): Promise<RunningRole> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const proxy = httpProxy.createProxyServer({ target: origin, agent })
  proxy.on('error', (_err, _req, res) => {
    // `res` is a Socket only for WebSocket upgrades, which the bench never sends.
    if ('headersSent' in res && !res.headersSent) res.writeHead(502).end()
    else res.destroy()
  })
  const server = createServer((req, res) => proxy.web(req, res))
  const port = await listenLocal(server)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => Promise.resolve({}),
    async close() {
      await closeServer(server)
      proxy.close()
      agent.destroy()
    },
  }
}
