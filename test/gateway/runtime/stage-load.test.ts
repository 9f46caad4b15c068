import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LoadRamp } from '../../../gateway/src/runtime/load-ramp.js'
import type { LoadStart } from '../../../gateway/src/runtime/load-start.js'
import { RedisRuntimeStore } from '../../../gateway/src/runtime/redis-runtime-store.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { decodeStoredSetting, encodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'
import type { StoredStage } from '../../../gateway/src/runtime/stored-stage.js'
import { startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { memoryLogger, runtimeTestConfig } from './runtime-test-config.js'

const MIN = 60_000
const T0 = 1_700_000_000_000
const RAMP: LoadRamp = { from: 10, to: 300, step: 50, everyMs: MIN, startedAt: T0, endsAt: T0 + 30 * MIN, reason: 'test', by: 'alice', state: 'running', stoppedAt: null, stopReason: null, stoppedPercent: null, figures: null }
const STAGE: StoredStage = { stage: 'canary', serve: 10, writes: 'old', history: [{ stage: 'shadow', serve: 0, mirror: 5 }] }

function start(over: Partial<LoadStart> = {}): LoadStart {
  return { to: 300, step: 50, everyMs: MIN, maxDurationMs: 30 * MIN, reason: 'capacity test', by: 'alice', ...over }
}

describe('one stored value with a percent, a ramp and a stage', () => {
  it('round-trips every field, in a fixed key order', () => {
    const setting = { percent: 250, expiresAt: T0 + MIN, revertTo: 5, updatedAt: T0, by: 'alice', load: RAMP, migration: STAGE }
    const raw = encodeStoredSetting(setting)
    expect(Object.keys(JSON.parse(raw) as object)).toEqual(['percent', 'expiresAt', 'revertTo', 'updatedAt', 'by', 'load', 'migration'])
    expect(decodeStoredSetting(raw, 1_000)).toEqual(setting)
    expect(encodeStoredSetting(decodeStoredSetting(raw, 1_000)!)).toBe(raw)
  })

  it('refuses the whole value when either part is invalid', () => {
    const base = { percent: 10, expiresAt: null, revertTo: null, updatedAt: T0, by: 'alice' }
    expect(decodeStoredSetting(JSON.stringify({ ...base, load: RAMP, migration: { ...STAGE, stage: 'blue' } }), 1_000)).toBeUndefined()
    expect(decodeStoredSetting(JSON.stringify({ ...base, load: { ...RAMP, step: 0 }, migration: STAGE }), 1_000)).toBeUndefined()
    expect(decodeStoredSetting(JSON.stringify({ ...base, load: RAMP, migration: STAGE }), 1_000)).toBeDefined()
  })

  it('refuses a ramp on a route in passthrough or final by its config file', async () => {
    for (const stage of ['passthrough', 'final']) {
      const config = runtimeTestConfig().routes.map((r) => (r.name === 'users' ? { ...r, stage } : r))
      const s = new RuntimeSettings({ ...runtimeTestConfig(), routes: config } as never, { logger: memoryLogger().logger })
      await expect(s.startLoad('users', start())).rejects.toMatchObject({ code: 'SG_INVALID_LOAD_RAMP' })
      expect(s.loadRamp('users')).toBeNull()
      s.close()
    }
  })
})

describe('ramps across stage moves', () => {
  let redis: TestRedis
  const open: { settings: RuntimeSettings; store: RedisRuntimeStore }[] = []
  let n = 0

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterEach(async () => {
    for (const o of open.splice(0)) {
      o.settings.close()
      await o.store.close()
    }
  })
  afterAll(async () => {
    await redis?.close()
  })

  async function instance(): Promise<RuntimeSettings> {
    const logger = memoryLogger().logger
    const store = new RedisRuntimeStore({ redis: redis.url, prefix: `sl${++n}`, pollMs: 60_000, logger })
    const settings = new RuntimeSettings(runtimeTestConfig(), { store, logger })
    open.push({ settings, store })
    await settings.start()
    return settings
  }

  it('keeps the stage through a ramp and the ramp through mirror changes and shadow/canary moves', async () => {
    const s = await instance()
    await s.setStage('users', 'canary', { serve: 20, mirror: 5, reason: 'start' })
    await s.startLoad('users', start())
    expect([s.stage('users'), s.servePercent('users'), s.mirrorPercent('users')]).toEqual(['canary', 20, 55])
    await s.setMirror('users', 8)
    expect(s.loadRamp('users')?.state).toBe('running')
    expect(s.stage('users')).toBe('canary')
    await s.setStage('users', 'shadow', { reason: 'back to shadow' })
    expect(s.loadRamp('users')?.state).toBe('running')
    expect(s.stage('users')).toBe('shadow')
    await s.stopLoad('users', { state: 'stopped', reason: 'load stop', by: 'bob' })
    expect([s.stage('users'), s.mirrorPercent('users')]).toEqual(['shadow', 8])
  })

  it('stops a running ramp on a move to final, and refuses a new one there', async () => {
    const s = await instance()
    await s.startLoad('users', start())
    await s.setStage('users', 'final', { reason: 'cut over' })
    expect(s.loadRamp('users')).toMatchObject({ state: 'stopped', stopReason: 'stage moved to final' })
    expect(s.mirrorPercent('users')).toBe(10)
    await expect(s.startLoad('users', start())).rejects.toMatchObject({ code: 'SG_INVALID_LOAD_RAMP' })
    // Back one step: the ramp stays ended, a new one may start.
    await s.rollbackStage('users', { reason: 'undo' })
    expect([s.stage('users'), s.loadRamp('users')?.state]).toEqual(['shadow', 'stopped'])
    expect((await s.startLoad('users', start())).state).toBe('running')
  })
})
