import replyFrom from '@fastify/reply-from'
import Fastify from 'fastify'
import type { RunningRole } from '../child-protocol.js'

/** A plain Fastify app forwarding everything with @fastify/reply-from (undici underneath), mirror off. */
export async function startReplyFromProxy(origin: string): Promise<RunningRole> {
  const app = Fastify({ logger: false })
  await app.register(replyFrom, { base: origin, undici: { connections: 256 } })
  app.all('/*', (req, reply) => reply.from(req.url))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const addr = app.server.address()
  if (addr === null || typeof addr === 'string') throw new Error('fastify has no TCP address')
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    stats: () => Promise.resolve({}),
    close: () => app.close(),
  }
}
