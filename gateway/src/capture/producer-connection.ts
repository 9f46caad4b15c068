import type { RedisConfig } from '@shadowgate/shared'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'

/** A single Redis command (a batch write, a depth count) may take this long before it fails. */
export const PRODUCER_COMMAND_TIMEOUT_MS = 1_000
/** Giving up on a TCP connect attempt to Redis. */
export const PRODUCER_CONNECT_TIMEOUT_MS = 1_000
/** Ceiling of the reconnect backoff: a Redis that comes back is used again within about this long. */
export const PRODUCER_MAX_RECONNECT_DELAY_MS = 2_000

/** Exponential backoff with jitter, so many gateways do not reconnect in lockstep after an outage. */
function reconnectDelay(attempt: number): number {
  const base = Math.min(50 * 2 ** Math.min(attempt, 10), PRODUCER_MAX_RECONNECT_DELAY_MS)
  return Math.round(base / 2 + Math.random() * (base / 2))
}

/**
 * An ioredis client that fails fast, as BullMQ recommends for the producer side of a queue: no
 * offline queue (a command while disconnected errors at once instead of waiting), at most one
 * retry per command across a reconnect, a short command timeout, and `lazyConnect` so building it
 * never touches the network. It reconnects in the background forever, with backoff (in cluster mode
 * the cluster client as a whole); a batch write cut off by a failover is written again by the batch writer.
 */
export function createProducerConnection(redis: RedisConfig): RedisClient {
  return createRedisClient(redis, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
    connectTimeout: PRODUCER_CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    connectionName: 'shadowgate-audit-producer',
  })
}
