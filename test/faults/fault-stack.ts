import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Redis } from 'ioredis'
import { configDir } from '../gateway/cli/cli-config-file.js'
import { startInfluxd, type TestInflux, streamFiller, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { itemBody } from './item-body.js'

/** The parts every fault case shares: Redis, InfluxDB, the primary and a temp dir for configs. */
export interface FaultStack {
  readonly redis: TestRedis
  readonly influx: TestInflux
  readonly primaryUrl: string
  /** Requests the primary answered, all cases together. */
  readonly primaryServed: () => number
  readonly dir: Awaited<ReturnType<typeof configDir>>
  close(): Promise<void>
}

/** Paths the primary answers with LARGE_ITEM_BYTES of filler, streamed at the reader's pace. */
export const LARGE_ITEM_PREFIX = '/items/large-'
const LARGE_ITEM_BYTES = 32 * 1_048_576

async function startPrimary(): Promise<{ url: string; served: () => number; close: () => Promise<void> }> {
  let served = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    req.resume()
    if (req.url?.startsWith(LARGE_ITEM_PREFIX)) return void streamFiller(res, LARGE_ITEM_BYTES)
    req.once('end', () => {
      const body = Buffer.from(itemBody(req.url ?? '/'))
      served++
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
      res.end(body)
    })
  })
  server.keepAliveTimeout = 30_000
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served: () => served,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

/**
 * Starts the shared parts. Redis gets an RDB save point, as a BullMQ Redis has in production: a
 * stopped Redis writes its data on the way down and reads it back on restart, so the Redis case
 * measures the gateway and worker, not a Redis that forgets its queue.
 */
export async function startFaultStack(): Promise<FaultStack> {
  const dir = await configDir()
  const redis = await startRedis()
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await client.connect()
    await client.config('SET', 'save', '3600 1')
  } finally {
    client.disconnect()
  }
  const influx = await startInfluxd()
  const primary = await startPrimary()
  return {
    redis,
    influx,
    primaryUrl: primary.url,
    primaryServed: primary.served,
    dir,
    async close() {
      await primary.close()
      await influx.close()
      await redis.close()
      await dir.remove()
    },
  }
}
