import type { RedisConfig } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { ConnectionFailedError } from '../errors.js'

/**
 * Runs `use` with a short-lived, fail-fast connection to the config's Redis, for a command that
 * reads or writes a few keys and exits; an unreachable Redis is a ConnectionFailedError naming it
 * (credentials masked by the error), never a bare "Connection is closed.".
 */
export async function withCliRedis<T>(cfg: RedisConfig, timeoutMs: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(cfg.url, { maxRetriesPerRequest: 1, connectTimeout: timeoutMs, commandTimeout: timeoutMs, lazyConnect: true, retryStrategy: () => null })
  // connect() rejects with a bare "Connection is closed."; the last error event says why (ECONNREFUSED, auth).
  let lastError: unknown
  redis.on('error', (err: unknown) => {
    lastError = err
  })
  try {
    await redis.connect().catch((err: unknown) => {
      throw ConnectionFailedError.reaching(`Redis at ${cfg.url}`, lastError ?? err)
    })
    return await use(redis)
  } finally {
    redis.disconnect()
  }
}
