import { startRedis } from '@shadowgate/dev-helpers'
import type { RunningRole } from '../child-protocol.js'

/**
 * A real redis-server on a free port in a temp dir, nothing persisted (the tests' launcher; never an
 * existing Redis). It lives in its own child process so that, if the bench dies, the IPC disconnect
 * still stops redis-server and removes the dir.
 */
export async function startRedisKeeper(): Promise<RunningRole> {
  const redis = await startRedis()
  return { url: redis.url, port: redis.port, stats: () => Promise.resolve({}), close: () => redis.close() }
}
