import { Cluster, Redis } from 'ioredis'
import { redisClientPlan, type RedisClientTuning, type RedisConfig } from '@shadowgate/shared'

/** A connection to one Redis, a Sentinel-managed master or a Redis Cluster: the commands used here work on all three. */
export type RedisClient = Redis | Cluster

/**
 * The one place this service builds a Redis client from `redis` config; the mapping from config
 * to ioredis options is shared (`redisClientPlan`), only the constructor call lives here.
 */
export function createRedisClient(config: RedisConfig, tuning: RedisClientTuning): RedisClient {
  const plan = redisClientPlan(config, tuning)
  if (plan.kind === 'cluster') return new Cluster([...plan.nodes], { ...plan.options })
  if (plan.kind === 'sentinel') return new Redis({ ...plan.options, sentinels: [...plan.options.sentinels] })
  return new Redis(plan.url, { ...plan.options })
}
