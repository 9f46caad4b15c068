import { redisTarget, type RedisConfig } from '@shadowgate/shared'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { ConnectionFailedError } from '../errors.js'

/**
 * Runs `use` with a short-lived, fail-fast connection to the config's Redis, for a command that
 * reads or writes a few keys and exits; an unreachable Redis is a ConnectionFailedError naming it
 * (credentials masked by the error), never a bare "Connection is closed.".
 */
export async function withCliRedis<T>(cfg: RedisConfig, timeoutMs: number, use: (redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = createRedisClient(cfg, { maxRetriesPerRequest: 1, connectTimeout: timeoutMs, commandTimeout: timeoutMs, lazyConnect: true, retryStrategy: () => null })
  // connect() rejects with a bare "Connection is closed."; the last error event says why (ECONNREFUSED, auth).
  let lastError: unknown
  redis.on('error', (err: unknown) => {
    lastError = err
  })
  try {
    await redis.connect().catch((err: unknown) => {
      throw ConnectionFailedError.reaching(redisTarget(cfg), lastError ?? err)
    })
    return await use(redis)
  } finally {
    redis.disconnect()
  }
}
