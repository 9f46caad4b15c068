import { describe, expect, it } from 'vitest'
import { ConfigError, prefixHashTag, redisClientPlan, validateConfig, type RedisConfig } from '@shadowgate/shared'

const MINIMAL = { primary: 'http://127.0.0.1:3000' }

function redisOf(redis: unknown): RedisConfig | undefined {
  return validateConfig({ ...MINIMAL, redis }).redis
}

function errorOf(redis: unknown): ConfigError {
  try {
    redisOf(redis)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

const retry = (times: number): number => times * 10

describe('redis config: one server, a cluster or sentinels', () => {
  it('reads each mode, with a hash-tagged default prefix in cluster mode', () => {
    expect(redisOf('redis://127.0.0.1:6379')).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379', prefix: 'shadowgate' })
    expect(redisOf({ cluster: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'] })).toEqual({
      mode: 'cluster',
      cluster: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'],
      prefix: '{shadowgate}',
    })
    expect(redisOf({ cluster: ['redis://h:7000'], prefix: 'prod:{sg}' })).toMatchObject({ prefix: 'prod:{sg}' })
    expect(redisOf({ sentinels: ['redis://s1:26379', 'redis://s2:26379'], name: 'mymaster', password: 'pw' })).toEqual({
      mode: 'sentinel',
      sentinels: ['redis://s1:26379', 'redis://s2:26379'],
      name: 'mymaster',
      username: undefined,
      password: 'pw',
      prefix: 'shadowgate',
    })
  })

  it.each([
    [{ url: 'redis://a:1', cluster: ['redis://b:2'] }, 'redis', 'must set exactly one of url, cluster or sentinels (got url and cluster)'],
    [{ prefix: 'x' }, 'redis', 'must set exactly one of url, cluster or sentinels (got none)'],
    [{ cluster: [] }, 'redis.cluster', 'must list at least one redis://host:port URL'],
    [{ cluster: ['http://h:7000'] }, 'redis.cluster[0]', 'must be a redis:// or rediss:// URL'],
    [{ cluster: ['redis://h'] }, 'redis.cluster[0]', 'must name a host and a port'],
    [{ cluster: ['redis://h:7000/2'] }, 'redis.cluster[0]', 'must not select a database'],
    [{ cluster: ['redis://:a@h:7000', 'redis://:b@h:7001'] }, 'redis.cluster[1]', 'must use the same scheme and credentials as redis.cluster[0]'],
    [{ cluster: ['redis://h:7000'], prefix: 'shadowgate' }, 'redis.prefix', 'must contain a hash tag such as {shadowgate} with redis.cluster'],
    [{ cluster: ['redis://h:7000'], prefix: 'a{}b' }, 'redis.prefix', 'must contain a hash tag'],
    [{ sentinels: ['redis://s:26379'] }, 'redis.name', 'is required'],
    [{ url: 'redis://a:1', name: 'mymaster' }, 'redis.name', 'is only used with redis.sentinels'],
    [{ sentinels: ['redis://s:26379'], name: 'm', db: 1 }, 'redis.db', 'is not a known option'],
  ])('refuses %j at %s', (redis, key, message) => {
    const err = errorOf(redis)
    expect(err.code).toBe('SG_CONFIG_INVALID')
    expect(err.key).toBe(key)
    expect(err.message).toContain(message)
  })

  it('never echoes a password from a refused URL', () => {
    expect(errorOf({ cluster: ['http://user:hunter2@h:7000'] }).message).not.toContain('hunter2')
  })

  it('finds the hash tag the way Redis Cluster does', () => {
    expect(prefixHashTag('{shadowgate}')).toBe('shadowgate')
    expect(prefixHashTag('prod:{sg}:x')).toBe('sg')
    expect(prefixHashTag('{}{sg}')).toBeUndefined()
    expect(prefixHashTag('sg}')).toBeUndefined()
    expect(prefixHashTag('{sg')).toBeUndefined()
  })
})

describe('redisClientPlan', () => {
  const tuning = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 500, retryStrategy: retry, connectionName: 'p' }

  it('passes one server through unchanged', () => {
    const cfg = redisOf('rediss://u:p@h:6380/2')
    expect(cfg && redisClientPlan(cfg, tuning)).toEqual({ kind: 'single', url: 'rediss://u:p@h:6380/2', options: tuning })
  })

  it('moves reconnecting to the cluster level and the rest to every node, with the seeds credentials and TLS', () => {
    const cfg = redisOf({ cluster: ['rediss://app:s%40cret@10.0.0.1:7000', 'rediss://app:s%40cret@[::1]:7001'] })
    expect(cfg && redisClientPlan(cfg, tuning)).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      options: {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: retry,
        redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 500, connectionName: 'p', username: 'app', password: 's@cret', tls: {} },
      },
    })
  })

  it('auto-pipelines at the cluster level, where commands are grouped per node', () => {
    const cfg = redisOf({ cluster: ['redis://10.0.0.1:7000'] })
    const plan = cfg && redisClientPlan(cfg, { enableAutoPipelining: true, connectTimeout: 500 })
    expect(plan).toEqual({ kind: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }], options: { enableAutoPipelining: true, redisOptions: { connectTimeout: 500 } } })
  })

  it('gives the sentinels their own credentials and the master those of redis.username / redis.password', () => {
    const cfg = redisOf({ sentinels: ['redis://:sentinel-pw@s1:26379', 'redis://:sentinel-pw@s2:26380'], name: 'mymaster', username: 'app', password: 'master-pw' })
    expect(cfg && redisClientPlan(cfg, tuning)).toEqual({
      kind: 'sentinel',
      options: {
        ...tuning,
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        name: 'mymaster',
        username: 'app',
        password: 'master-pw',
        sentinelPassword: 'sentinel-pw',
        sentinelRetryStrategy: retry,
        reconnectOnError: expect.any(Function),
      },
    })
    const plan = cfg && redisClientPlan(cfg, tuning)
    const reconnect = plan?.kind === 'sentinel' ? plan.options.reconnectOnError : undefined
    expect(reconnect?.(new Error("READONLY You can't write against a read only replica."))).toBe(true)
    expect(reconnect?.(new Error('OOM command not allowed'))).toBe(false)
  })
})
