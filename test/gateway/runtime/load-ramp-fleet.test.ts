import { runtimeSettingsKey } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisRuntimeStore } from '../../../gateway/src/runtime/redis-runtime-store.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { decodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'
import { waitFor, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { runtimeTestConfig } from './runtime-test-config.js'

const START = { to: 300, step: 50, everyMs: 60_000, maxDurationMs: 1_800_000, reason: 'fleet test', by: 'alice' }

describe('load ramps across instances sharing Redis', () => {
  let redis: TestRedis
  let admin: Redis
  const open: { settings: RuntimeSettings; store: RedisRuntimeStore }[] = []
  let n = 0

  beforeAll(async () => {
    redis = await startRedis()
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterEach(async () => {
    for (const o of open.splice(0)) {
      o.settings.close()
      await o.store.close()
    }
  })
  afterAll(async () => {
    admin?.disconnect()
    await redis?.close()
  })

  async function fleet(size: number, prefix: string, now?: () => number): Promise<RuntimeSettings[]> {
    const out: RuntimeSettings[] = []
    for (let i = 0; i < size; i++) {
      const store = new RedisRuntimeStore({ redis: redis.url, prefix, pollMs: 60_000 })
      const settings = new RuntimeSettings(runtimeTestConfig(), { store, now })
      open.push({ settings, store })
      await settings.start()
      out.push(settings)
    }
    return out
  }

  it('every instance follows the same schedule, and brakes from several instances at once write one stop', async () => {
    const prefix = `ramp${++n}`
    const instances = await fleet(3, prefix)
    const [a, b, c] = instances as [RuntimeSettings, RuntimeSettings, RuntimeSettings]
    await a.startLoad('users', START)
    await waitFor(() => instances.every((s) => s.mirrorPercent('users') === 60), 5_000, 'every instance at the first step')
    const stops = await Promise.all(
      instances.map((s, i) => s.stopLoad('users', { state: 'braked', reason: `brake seen by ${i}`, by: `gw-${i}`, figures: { p99Ms: 900, baselineP99Ms: 100, errorRate: 0, copies: 50 } })),
    )
    expect(stops.filter((s) => s.stopped)).toHaveLength(1)
    const winner = stops.find((s) => s.stopped)?.load
    const stored = decodeStoredSetting((await admin.hget(runtimeSettingsKey(prefix), 'users')) ?? '', 1_000)
    expect(stored?.load).toEqual(winner)
    expect(stored?.load).toMatchObject({ state: 'braked', stoppedPercent: 60 })
    await waitFor(() => instances.every((s) => s.mirrorPercent('users') === 10 && s.loadRamp('users')?.state === 'braked'), 5_000, 'every instance back at 10 %')
    expect(b.loadRamp('users')).toEqual(c.loadRamp('users'))
  })

  it('a ramp past its max duration is ended by an instance that only starts then, and every instance returns to the previous percent', async () => {
    const prefix = `ramp${++n}`
    let clock = Date.now()
    const [a, b] = (await fleet(2, prefix, () => clock)) as [RuntimeSettings, RuntimeSettings]
    const load = await a.startLoad('users', { ...START, maxDurationMs: 60_000 })
    await waitFor(() => b.mirrorPercent('users') === 60, 5_000, 'b at the first step')
    clock += 60_000
    // Its end depends only on the stored ramp: the same bytes whichever instance writes them.
    await fleet(1, prefix, () => clock)
    await waitFor(() => a.mirrorPercent('users') === 10 && b.mirrorPercent('users') === 10, 5_000, 'every instance back at 10 %')
    const stored = decodeStoredSetting((await admin.hget(runtimeSettingsKey(prefix), 'users')) ?? '', 1_000)
    expect(stored?.load).toMatchObject({ state: 'expired', stoppedAt: load.startedAt + 60_000, stopReason: 'max duration reached', stoppedPercent: 60 })
    expect(stored?.percent).toBe(10)
  })
})
