import { afterEach, describe, expect, it, vi } from 'vitest'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { encodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'
import { waitFor } from '@shadowgate/dev-helpers'
import { memoryLogger, runtimeTestConfig } from './runtime-test-config.js'

describe('RuntimeSettings without a store', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('starts from the config file', async () => {
    const s = new RuntimeSettings(runtimeTestConfig())
    await s.start()
    expect(s.mirrorPercent('users')).toBe(10)
    expect(s.mirrorPercent('orders')).toBe(0)
    expect(s.mirrorPercent('nope')).toBe(0)
    expect(s.primary('users')).toBe('http://127.0.0.1:9')
    expect(s.shadow('users')).toBe('http://127.0.0.1:10')
    expect(s.storeState()).toBe('disabled')
    expect(s.list().map((r) => [r.name, r.percent, r.configuredPercent, r.expiresAt])).toEqual([
      ['users', 10, 10, null],
      ['orders', 0, 0, null],
    ])
    s.close()
  })

  it('changes a percent for good and logs who changed what', async () => {
    const { logger, lines } = memoryLogger()
    const s = new RuntimeSettings(runtimeTestConfig(), { logger })
    const change = await s.setMirror('users', 25.5, { by: 'alice' })
    expect(change).toMatchObject({ route: 'users', old: 10, new: 25.5, ttlMs: null, expiresAt: null, revertTo: null, by: 'alice' })
    expect(s.mirrorPercent('users')).toBe(25.5)
    expect(s.view('users')).toMatchObject({ percent: 25.5, configuredPercent: 10, updatedBy: 'alice' })
    expect(lines.find((l) => l['msg'] === 'mirror percent changed')).toMatchObject({ route: 'users', old: 10, new: 25.5, by: 'alice', ttlMs: null })
    s.close()
  })

  it('refuses unknown routes and out-of-range values with stable codes', async () => {
    const s = new RuntimeSettings(runtimeTestConfig())
    await expect(s.setMirror('nope', 5)).rejects.toMatchObject({ code: 'SG_UNKNOWN_ROUTE', statusCode: 404 })
    await expect(s.setMirror('users', 1_001)).rejects.toMatchObject({ code: 'SG_PERCENT_ABOVE_MAX', statusCode: 400 })
    await expect(s.setMirror('users', -1)).rejects.toMatchObject({ code: 'SG_INVALID_SETTING' })
    await expect(s.setMirror('users', Number.NaN)).rejects.toMatchObject({ code: 'SG_INVALID_SETTING' })
    await expect(s.setMirror('users', 5, { ttlMs: 0 })).rejects.toMatchObject({ code: 'SG_INVALID_SETTING' })
    expect(s.mirrorPercent('users')).toBe(10)
    s.close()
  })

  it('reverts a temporary change when its ttl expires', async () => {
    vi.useFakeTimers()
    const { logger, lines } = memoryLogger()
    const s = new RuntimeSettings(runtimeTestConfig(), { logger })
    const change = await s.setMirror('users', 60, { ttlMs: 300 })
    expect(change).toMatchObject({ old: 10, new: 60, ttlMs: 300, revertTo: 10 })
    expect(s.mirrorPercent('users')).toBe(60)
    expect(s.view('users').expiresAt).toBe(change.expiresAt)
    vi.advanceTimersByTime(299)
    expect(s.mirrorPercent('users')).toBe(60)
    vi.advanceTimersByTime(1)
    expect(s.mirrorPercent('users')).toBe(10)
    expect(s.view('users')).toMatchObject({ percent: 10, expiresAt: null, updatedBy: 'ttl' })
    expect(lines.find((l) => l['msg'] === 'mirror percent reverted after its ttl')).toMatchObject({ route: 'users', old: 60, new: 10 })
    s.close()
  })

  it('reverts stacked temporary changes to the last lasting percent', async () => {
    vi.useFakeTimers()
    const s = new RuntimeSettings(runtimeTestConfig())
    await s.setMirror('users', 30)
    await s.setMirror('users', 80, { ttlMs: 5_000 })
    const second = await s.setMirror('users', 90, { ttlMs: 200 })
    expect(second).toMatchObject({ old: 80, new: 90, revertTo: 30 })
    vi.advanceTimersByTime(200)
    expect(s.mirrorPercent('users')).toBe(30)
    s.close()
  })

  it('resets a route to the config file', async () => {
    const s = new RuntimeSettings(runtimeTestConfig())
    await s.setMirror('users', 70)
    const change = await s.resetMirror('users', { by: 'bob' })
    expect(change).toMatchObject({ old: 70, new: 10, by: 'bob' })
    expect(s.view('users')).toMatchObject({ percent: 10, updatedAt: null, updatedBy: null })
    s.close()
  })

  it('applies an already expired stored value as its revert, and ignores invalid stored values', async () => {
    const { logger, lines } = memoryLogger()
    const s = new RuntimeSettings(runtimeTestConfig(), { logger })
    const seen: (string | null)[] = []
    s.onChange((_r, raw) => seen.push(raw))
    const expired = encodeStoredSetting({ percent: 99, expiresAt: Date.now() - 1_000, revertTo: 40, updatedAt: Date.now() - 2_000, by: 'x' })
    s.applySnapshot(new Map([['users', expired]]), new Set(), 'start')
    expect(s.mirrorPercent('users')).toBe(40)
    await waitFor(() => s.view('users').updatedBy === 'ttl', 2_000, 'the stored revert')
    s.applyStored('orders', '{"percent": 5000}', 'fleet')
    s.applyStored('orders', 'not json', 'fleet')
    s.applyStored('orders', 'not json', 'fleet')
    expect(s.mirrorPercent('orders')).toBe(0)
    expect(lines.filter((l) => l['msg'] === 'ignoring an invalid stored runtime setting')).toHaveLength(2)
    expect(seen).toHaveLength(2)
    s.close()
  })

  it('stops reverting after close', async () => {
    vi.useFakeTimers()
    const s = new RuntimeSettings(runtimeTestConfig())
    await s.setMirror('users', 50, { ttlMs: 100 })
    s.close()
    s.close()
    vi.advanceTimersByTime(250)
    expect(vi.getTimerCount()).toBe(0)
    expect(s.mirrorPercent('users')).toBe(50)
  })
})
