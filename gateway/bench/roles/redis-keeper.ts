import type { RunningRole } from '../child-protocol.js'
import { startDemoRedis } from '../../src/demo/demo-redis.js'

/**
 * A real redis-server on a free port in a temp dir, nothing persisted: the same one the demo starts
 * (never an existing Redis: REDIS_URL is ignored here). It lives in its own child process so that,
 * if the bench dies, the IPC disconnect still stops redis-server and removes the dir.
 */
export async function startRedisKeeper(): Promise<RunningRole> {
  const redis = await startDemoRedis({})
  const port = Number(new URL(redis.url).port)
  return { url: redis.url, port, stats: () => Promise.resolve({}), close: () => redis.close() }
}
