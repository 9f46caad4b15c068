import { Redis } from 'ioredis'

const SCAN_COUNT = 500
const CONNECT_TIMEOUT_MS = 3_000

/**
 * Deletes every key under `<prefix>:` (queue, runtime settings, mismatch groups) and returns how
 * many went. SCAN, never KEYS, so a shared Redis is not blocked; UNLINK frees memory off the main
 * thread. Fails fast when Redis is unreachable instead of retrying forever.
 */
export async function deletePrefixedKeys(url: string, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete keys without a prefix')
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => null, enableOfflineQueue: false })
  redis.on('error', () => undefined)
  let deleted = 0
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', SCAN_COUNT)
      cursor = next
      if (keys.length > 0) deleted += await redis.unlink(...keys)
    } while (cursor !== '0')
  } finally {
    await redis.quit().catch(() => redis.disconnect())
  }
  return deleted
}
