import { Redis } from 'ioredis'
import { runtimeSettingsKey } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisRuntimeStore } from '../../../gateway/src/runtime/redis-runtime-store.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { decodeStoredSetting, encodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'
import { waitFor, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { memoryLogger, runtimeTestConfig } from './runtime-test-config.js'

describe('RuntimeSettings shared through Redis', () => {
  let redis: TestRedis
  let admin: Redis
  const open: { settings: RuntimeSettings; store: RedisRuntimeStore }[] = []
  let prefixN = 0
  let prefix = ''

  beforeAll(async () => {
    redis = await startRedis()
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterAll(async () => {
    admin.disconnect()
    await redis.close()
  })
  afterEach(async () => {
    for (const o of open.splice(0)) {
      o.settings.close()
      await o.store.close()
    }
    prefix = ''
  })

  async function instance(opts: { pollMs?: number; logger?: ReturnType<typeof memoryLogger>['logger']; now?: () => number } = {}): Promise<RuntimeSettings> {
    if (!prefix) prefix = `t${++prefixN}`
    const store = new RedisRuntimeStore({ redis: redis.url, prefix, pollMs: opts.pollMs ?? 60_000, logger: opts.logger })
    const settings = new RuntimeSettings(runtimeTestConfig(), { store, logger: opts.logger, now: opts.now })
    open.push({ settings, store })
    await settings.start()
    return settings
  }

  it('applies a change made on one instance on every instance', async () => {
    const a = await instance()
    const b = await instance()
    expect(a.storeState()).toBe('connected')
    const change = await a.setMirror('users', 35, { by: 'alice' })
    expect(change).toMatchObject({ old: 10, new: 35 })
    expect(a.mirrorPercent('users')).toBe(35)
    await waitFor(() => b.mirrorPercent('users') === 35, 5_000, 'instance b to apply the change')
    const stored = decodeStoredSetting((await admin.hget(runtimeSettingsKey(prefix), 'users')) ?? '')
    expect(stored).toMatchObject({ percent: 35, expiresAt: null, revertTo: null, by: 'alice' })
    await b.resetMirror('users')
    await waitFor(() => a.mirrorPercent('users') === 10, 5_000, 'instance a to apply the reset')
    expect(await admin.hexists(runtimeSettingsKey(prefix), 'users')).toBe(0)
  })

  it('gives an instance started later the current values', async () => {
    const a = await instance()
    await a.setMirror('orders', 45)
    await a.setMirror('users', 55, { ttlMs: 60_000 })
    const late = await instance()
    expect(late.mirrorPercent('orders')).toBe(45)
    expect(late.mirrorPercent('users')).toBe(55)
    expect(late.view('users').revertTo).toBe(10)
  })

  it('reverts a ttl change on every instance, once, with the same stored value', async () => {
    const a = await instance()
    const b = await instance()
    await a.setMirror('users', 30)
    await waitFor(() => b.mirrorPercent('users') === 30, 5_000, 'b to see the lasting change')
    const change = await a.setMirror('users', 90, { ttlMs: 300 })
    await waitFor(() => b.mirrorPercent('users') === 90, 5_000, 'b to see the temporary change')
    await waitFor(() => a.mirrorPercent('users') === 30 && b.mirrorPercent('users') === 30, 5_000, 'both to revert')
    const raw = await admin.hget(runtimeSettingsKey(prefix), 'users')
    expect(raw).toBe(encodeStoredSetting({ percent: 30, expiresAt: null, revertTo: null, updatedAt: change.expiresAt ?? 0, by: 'ttl' }))
  })

  it('reverts an expired change when no instance was running at expiry', async () => {
    let clock = Date.now()
    const now = (): number => clock
    const a = await instance({ now })
    await a.setMirror('users', 75, { ttlMs: 150 })
    a.close()
    await open[0]?.store.close()
    open.splice(0)
    // Nothing runs at expiry; the stored value still says 75 until an instance starts.
    clock += 300
    expect(decodeStoredSetting((await admin.hget(runtimeSettingsKey(prefix), 'users')) ?? '')?.percent).toBe(75)
    const b = await instance({ now })
    expect(b.mirrorPercent('users')).toBe(10)
    await waitFor(async () => decodeStoredSetting((await admin.hget(runtimeSettingsKey(prefix), 'users')) ?? '')?.by === 'ttl', 5_000, 'the stored revert')
  })

  it('re-reads the hash after a reconnect, catching writes it was not told about', async () => {
    const a = await instance()
    await admin.hset(runtimeSettingsKey(prefix), 'orders', encodeStoredSetting({ percent: 12, expiresAt: null, revertTo: null, updatedAt: Date.now(), by: 'ops' }))
    expect(a.mirrorPercent('orders')).toBe(0)
    await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
    await admin.client('KILL', 'TYPE', 'pubsub')
    await waitFor(() => a.mirrorPercent('orders') === 12, 10_000, 'the re-read after reconnect')
  })

  it('re-reads the hash on its poll', async () => {
    const a = await instance({ pollMs: 100 })
    await admin.hset(runtimeSettingsKey(prefix), 'orders', encodeStoredSetting({ percent: 7, expiresAt: null, revertTo: null, updatedAt: Date.now(), by: 'ops' }))
    await waitFor(() => a.mirrorPercent('orders') === 7, 5_000, 'the poll')
  })

  it('starts from the file config while Redis is down, refuses changes, then catches up when Redis is back', async () => {
    const { logger, lines } = memoryLogger()
    await redis.stop()
    try {
      const a = await instance({ logger })
      expect(a.mirrorPercent('users')).toBe(10)
      expect(a.storeState()).toBe('disconnected')
      expect(lines.some((l) => l['level'] === 40 && String(l['msg']).includes('runtime store (Redis) unavailable'))).toBe(true)
      await expect(a.setMirror('users', 50)).rejects.toMatchObject({ code: 'SG_RUNTIME_STORE_UNAVAILABLE', statusCode: 503 })
      expect(a.mirrorPercent('users')).toBe(10)
    } finally {
      await redis.start()
    }
    const a = open[0]?.settings
    const b = await instance()
    await b.setMirror('users', 65)
    await waitFor(() => a?.mirrorPercent('users') === 65, 10_000, 'the instance started without Redis to catch up')
    await waitFor(() => a?.storeState() === 'connected', 5_000, 'the reconnect')
    expect(lines.some((l) => l['msg'] === 'runtime store reconnected; re-reading runtime settings')).toBe(true)
  })
})
