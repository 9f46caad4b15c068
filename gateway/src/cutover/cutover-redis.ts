import { reconnectDelay } from '@shadowgate/shared'
import type { RedisConfig } from '@shadowgate/shared'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'

/** Bound on each cut-over command: a stalled Redis must never keep a request held past cutover.maxPause. */
export const CUTOVER_COMMAND_TIMEOUT_MS = 1_000


/**
 * The command connection of the cut-over protocol (one Redis, Sentinel or Cluster, through the
 * service's client factory): fails fast while Redis is down (no offline queue, one retry, bounded
 * commands) and reconnects in the background. Errors are left to the caller's readiness checks: a
 * listener is attached so that ioredis never reports them as unhandled.
 */
export function cutoverCommandClient(redis: RedisConfig, commandTimeoutMs = CUTOVER_COMMAND_TIMEOUT_MS): RedisClient {
  const client = createRedisClient(redis, { retryStrategy: (n: number) => reconnectDelay(n), connectTimeout: 2_000, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs })
  client.on('error', () => undefined)
  return client
}

/**
 * The subscriber connection: queues its SUBSCRIBE until connected and re-subscribes after every
 * reconnect. In cluster mode classic pub/sub reaches every node, so any one node will do.
 */
export function cutoverSubscriber(redis: RedisConfig): RedisClient {
  const sub = createRedisClient(redis, { retryStrategy: (n: number) => reconnectDelay(n), connectTimeout: 2_000, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true })
  sub.on('error', () => undefined)
  return sub
}

/** The client when it can take commands now, else undefined. */
export function readyClient(client: RedisClient | undefined): RedisClient | undefined {
  return client?.status === 'ready' ? client : undefined
}
