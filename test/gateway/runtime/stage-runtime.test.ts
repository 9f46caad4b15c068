import { Redis } from 'ioredis'
import { runtimeSettingsKey } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisRuntimeStore } from '../../../gateway/src/runtime/redis-runtime-store.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { decodeStoredSetting, encodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'
import { MAX_STAGE_HISTORY } from '../../../gateway/src/runtime/stored-stage.js'
import { startRedis, waitFor, type TestRedis } from '@shadowgate/dev-helpers'
import { memoryLogger, runtimeTestConfig } from './runtime-test-config.js'

describe('stages in the runtime settings', () => {
  let redis: TestRedis
  let raw: Redis
  const open: { settings: RuntimeSettings; store: RedisRuntimeStore }[] = []
  let n = 0

  beforeAll(async () => {
    redis = await startRedis()
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterEach(async () => {
    for (const o of open.splice(0)) {
      o.settings.close()
      await o.store.close()
    }
  })
  afterAll(async () => {
    raw?.disconnect()
    await redis?.close()
  })

  async function instance(prefix: string, logger = memoryLogger().logger): Promise<RuntimeSettings> {
    const store = new RedisRuntimeStore({ redis: redis.url, prefix, pollMs: 60_000, logger })
    const settings = new RuntimeSettings(runtimeTestConfig(), { store, logger })
    open.push({ settings, store })
    await settings.start()
    return settings
  }

  it('keeps the stage through mirror changes, a mirror reset and a ttl revert', async () => {
    const s = await instance(`st${++n}`)
    await s.setStage('users', 'canary', { serve: 20, mirror: 5, reason: 'start' })
    await s.setMirror('users', 50)
    expect([s.stage('users'), s.servePercent('users'), s.mirrorPercent('users')]).toEqual(['canary', 20, 50])
    await s.setMirror('users', 90, { ttlMs: 200 })
    await waitFor(() => s.mirrorPercent('users') === 50, 5_000, 'the ttl revert')
    expect([s.stage('users'), s.servePercent('users')]).toEqual(['canary', 20])
    await s.resetMirror('users')
    expect([s.stage('users'), s.servePercent('users'), s.mirrorPercent('users')]).toEqual(['canary', 20, 10])
    // A rollback restores the stage left behind, with the copy percent it had.
    await s.rollbackStage('users', { reason: 'back' })
    expect([s.stage('users'), s.mirrorPercent('users')]).toEqual(['shadow', 10])
  })

  it('rolls back as far as the kept history goes, one step at a time', async () => {
    const s = await instance(`st${++n}`)
    for (let i = 0; i < MAX_STAGE_HISTORY + 8; i++) await s.setStage('orders', 'canary', { serve: i, reason: `step ${i}` })
    for (let i = MAX_STAGE_HISTORY + 6; i >= 7; i--) {
      const change = await s.rollbackStage('orders', { reason: 'undo' })
      expect(change.to.serve).toBe(i)
    }
    await expect(s.rollbackStage('orders', { reason: 'undo' })).rejects.toMatchObject({ code: 'SG_NO_STAGE_HISTORY' })
    expect(s.servePercent('orders')).toBe(7)
    expect(await s.stageLog({ route: 'orders', limit: 3 })).toHaveLength(3)
  })

  it('ignores and counts an invalid stored stage, keeping the last valid one', async () => {
    const prefix = `st${++n}`
    const { logger, lines } = memoryLogger()
    const s = await instance(prefix, logger)
    await s.setStage('users', 'final', { reason: 'cut' })
    const stored = JSON.parse((await raw.hget(runtimeSettingsKey(prefix), 'users')) ?? '{}') as Record<string, Record<string, unknown>>
    for (const bad of [{ ...stored['migration'], stage: 'blue' }, { ...stored['migration'], serve: 250 }, { ...stored['migration'], writes: 'both' }, { ...stored['migration'], history: [{ stage: 'x' }] }]) {
      const value = JSON.stringify({ ...stored, migration: bad })
      expect(decodeStoredSetting(value)).toBeUndefined()
      s.applyStored('users', value, 'fleet')
      expect(s.stage('users')).toBe('final')
    }
    expect(lines.filter((l) => l['msg'] === 'ignoring an invalid stored runtime setting')).toHaveLength(4)
  })

  it('encodes a setting without a stage exactly as before, so older instances read it', () => {
    const plain = { percent: 5, expiresAt: null, revertTo: null, updatedAt: 1, by: 'a' }
    expect(encodeStoredSetting(plain)).toBe('{"percent":5,"expiresAt":null,"revertTo":null,"updatedAt":1,"by":"a"}')
    const staged = encodeStoredSetting({ ...plain, migration: { stage: 'canary', serve: 10, writes: 'old', history: [{ stage: 'shadow', serve: 0, mirror: 5 }] } })
    expect(decodeStoredSetting(staged)?.migration).toEqual({ stage: 'canary', serve: 10, writes: 'old', history: [{ stage: 'shadow', serve: 0, mirror: 5 }] })
  })
})
