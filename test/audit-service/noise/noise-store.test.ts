import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NoiseStore, noiseChangesKey, noiseEvidenceKey, noiseIgnoreKey } from '../../../audit-service/src/noise/noise-store.js'
import { startRedis, type TestRedis } from '@shadowgate/dev-helpers'

describe('NoiseStore (real Redis): what it reads back is validated', () => {
  let server: TestRedis
  let redis: Redis
  let store: NoiseStore

  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis(server.url)
    store = new NoiseStore(redis, 'ns')
  })
  afterAll(async () => {
    redis?.disconnect()
    await server?.close()
  })

  it('counts A/A pairs and differing paths with their kind of value', async () => {
    await store.record('orders', new Map([['$.ts', 'timestamp']]))
    await store.record('orders', new Map())
    const ev = await store.evidence('orders')
    expect([ev.pairs, [...ev.paths]]).toEqual([2, [['$.ts', { count: 1, cls: 'timestamp' }]]])
    expect(await store.routes()).toEqual(['orders'])
  })

  it('skips malformed fields instead of throwing: bad counts, unknown classes, counts above the pairs', async () => {
    await redis.hset(noiseEvidenceKey('ns', 'bad'), { pairs: '4', 'p:$.a': 'lots', 'p:$.b': '9', 'c:$.b': 'weird', 'p:$.c': '-3' })
    const ev = await store.evidence('bad')
    expect([ev.pairs, [...ev.paths]]).toEqual([4, [['$.b', { count: 4, cls: 'other' }]]])
    await redis.hset(noiseEvidenceKey('ns', 'none'), { pairs: 'x' })
    expect((await store.evidence('none')).pairs).toBe(0)
  })

  it('keeps runtime rules until they expire, logs each change, and ignores unreadable entries', async () => {
    const now = Date.now()
    await store.apply({ route: 'orders', path: '$.ts', expiresAt: now + 60_000, at: now, by: 'ops' })
    await store.apply({ route: 'orders', path: '$.old', expiresAt: now - 1, at: now, by: 'ops' })
    await redis.hset(noiseIgnoreKey('ns'), 'junk', '{not json')
    await redis.lpush(noiseChangesKey('ns'), '{not json', JSON.stringify({ action: 'explode', route: 'a', path: '$', expiresAt: 1 }))
    expect((await store.ignores(now)).map((r) => r.path)).toEqual(['$.ts'])
    expect(await store.remove('orders', '$.ts', 'ops')).toBe(true)
    expect(await store.remove('orders', '$.ts', 'ops')).toBe(false)
    expect((await store.ignores(now)).map((r) => r.path)).toEqual([])
    expect((await store.changes(10)).map((c) => [c.action, c.path])).toEqual([
      ['remove', '$.ts'],
      ['apply', '$.old'],
      ['apply', '$.ts'],
    ])
  })
})
