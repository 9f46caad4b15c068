import { Redis } from 'ioredis'
import type { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, waitFor, type TestRedis } from '@shadowgate/dev-helpers'
import { gateLeaseKey } from '@shadowgate/shared'
import { GateLease } from '../../../audit-service/src/gate/gate-lease.js'
import { PREFIX, cleanWindow, evaluatorOn, gateConfig, lastDecision, storedStage } from './gate-rig.js'

const T0 = 2_000_000_000

describe('gate lease (real Redis)', () => {
  let server: TestRedis
  let redis: Redis

  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis(server.url)
  })
  afterAll(async () => {
    redis.disconnect()
    await server.close()
  })

  it('two evaluators: only the holder acts; when it stops renewing, the other takes over and acts', async () => {
    await redis.flushall()
    const config = gateConfig(server.url, 'minComparisons: 10, stepMinComparisons: 20, stepMinDuration: 1s, steps: [1, 5, 10]')
    const clock = { now: T0 }
    const a = evaluatorOn(redis, config, clock, { id: 'a', leaseTtlMs: 400 })
    const b = evaluatorOn(redis, config, clock, { id: 'b', leaseTtlMs: 400 })
    try {
      await a.evaluator.tick()
      await b.evaluator.tick()
      expect(await redis.get(gateLeaseKey(PREFIX))).toBe('a')
      await cleanWindow(redis, T0)
      clock.now = T0 + 1_000
      // b runs first: it does not hold the lease, so it judges and changes nothing.
      await b.evaluator.tick()
      expect(await lastDecision(redis)).toMatchObject({ decision: 'hold', lastWindow: null })
      expect(await storedStage(redis)).toBeUndefined()
      await a.evaluator.tick()
      expect(await lastDecision(redis)).toMatchObject({ decision: 'promote', acted: true })
      expect(await storedStage(redis)).toEqual({ stage: 'canary', serve: 5 })
      // a stalls (stops renewing); b takes the lease once it expires and carries on from a's record.
      await waitFor(async () => {
        await b.evaluator.tick()
        return (await redis.get(gateLeaseKey(PREFIX))) === 'b'
      }, 5_000)
      expect(await lastDecision(redis)).toMatchObject({ serve: 5, decision: 'hold', stepStartedAt: T0 + 1_000 })
      clock.now = T0 + 2_000
      await b.evaluator.tick()
      expect(await lastDecision(redis)).toMatchObject({ serve: 5, decision: 'inconclusive' })
      await cleanWindow(redis, T0 + 2_000)
      clock.now = T0 + 3_000
      await b.evaluator.tick()
      expect(await lastDecision(redis)).toMatchObject({ serve: 5, decision: 'promote', acted: true })
      expect(await storedStage(redis)).toEqual({ stage: 'canary', serve: 10 })
      // a wakes up: the lease is b's, so a's round does nothing, and its renewal never takes the lease back.
      await a.evaluator.tick()
      expect(await redis.get(gateLeaseKey(PREFIX))).toBe('b')
      expect(await metricValue(a.registry, 'shadowgate_gate_leader')).toBe(0)
      expect(await metricValue(b.registry, 'shadowgate_gate_leader')).toBe(1)
    } finally {
      await a.evaluator.close()
      await b.evaluator.close()
    }
    // close() gives the lease up.
    expect(await redis.get(gateLeaseKey(PREFIX))).toBeNull()
  })

  it('a holder counts itself the holder only until its renewal plus the ttl', async () => {
    await redis.flushall()
    const lease = new GateLease(redis, PREFIX, 'x', 150)
    expect(await lease.acquire()).toBe(true)
    expect(lease.held()).toBe(true)
    await waitFor(() => !lease.held(), 2_000)
    // Someone else took it meanwhile: renewing does not take it back.
    await redis.set(gateLeaseKey(PREFIX), 'y', 'PX', 10_000)
    expect(await lease.acquire()).toBe(false)
    expect(lease.held()).toBe(false)
    await lease.release()
    expect(await redis.get(gateLeaseKey(PREFIX))).toBe('y')
  })
})

async function metricValue(registry: Registry, name: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}
