import { describe, expect, it } from 'vitest'
import { validateConfig } from '@shadowgate/shared'
import type { RedisClient } from '../../../audit-service/src/create-redis-client.js'
import { GateStageStore } from '../../../audit-service/src/gate/gate-stage-store.js'
import { decodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'

const NOW = 1_800_000_000_000
const route = validateConfig({ primary: 'http://127.0.0.1:3000', shadow: 'http://127.0.0.1:3001', routes: [{ name: 'items', match: '/items/*', stage: 'canary', gate: {} }] }).routes[0]!

const ramp = { from: 10, to: 100, step: 10, everyMs: 60_000, startedAt: NOW - 150_000, endsAt: NOW + 3_600_000, reason: 'load test', by: 'ops', state: 'running', stoppedAt: null, stopReason: null, stoppedPercent: null, figures: null }

/** A stored value with a running load ramp, as the gateway writes it (load before migration). */
const stored = JSON.stringify({ percent: 10, expiresAt: null, revertTo: null, updatedAt: NOW - 200_000, by: 'ops', load: ramp, migration: { stage: 'canary', serve: 5, writes: 'old', history: [{ stage: 'shadow', serve: 0, mirror: 10 }] } })

/** Answers the stored value and keeps what the compare-and-set would write. */
function fakeRedis(): { redis: RedisClient; written: () => string } {
  let written = ''
  const redis = {
    hget: async () => stored,
    eval: async (...args: unknown[]) => {
      written = String(args[7])
      return 1
    },
  }
  return { redis: redis as unknown as RedisClient, written: () => written }
}

describe('the gate stage store and load ramps', () => {
  it('keeps a running ramp on a step, in the gateway format', async () => {
    const { redis, written } = fakeRedis()
    const store = new GateStageStore(redis, 'sg')
    const seen = await store.read(route)
    await store.apply(route, seen, { kind: 'step', serve: 10 }, 'passing', 'gate:w1', NOW)
    const setting = decodeStoredSetting(written())
    expect(setting?.load).toEqual(ramp)
    expect(setting?.migration).toMatchObject({ stage: 'canary', serve: 10 })
  })

  it('stops a running ramp at the percent it reached when promoting to final, as a stage move does', async () => {
    const { redis, written } = fakeRedis()
    const store = new GateStageStore(redis, 'sg')
    const seen = await store.read(route)
    await store.apply(route, seen, { kind: 'promote' }, 'all steps passed', 'gate:w1', NOW)
    const setting = decodeStoredSetting(written())
    expect(setting?.load).toEqual({ ...ramp, state: 'stopped', stoppedAt: NOW, stopReason: 'stage moved to final', stoppedPercent: 40 })
    expect(setting?.migration?.stage).toBe('final')
  })
})
