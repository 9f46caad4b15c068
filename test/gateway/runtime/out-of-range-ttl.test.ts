import { Redis } from 'ioredis'
import { Registry } from 'prom-client'
import { runtimeChannel, runtimeSettingsKey } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FaultCounters } from '../../../gateway/src/metrics/fault-counters.js'
import { MAX_MIRROR_TTL_MS } from '../../../gateway/src/runtime/mirror-ttl.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'
import { decodeStoredSetting, encodeStoredSetting } from '../../../gateway/src/runtime/stored-mirror-setting.js'
import { createGatewayService, type GatewayService } from '../../../gateway/src/server/gateway-service.js'
import { waitFor, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { memoryLogger, runtimeTestConfig } from './runtime-test-config.js'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 11, 2)
/** What `PUT {"percent":50,"ttl":"99999999999d"}` stored before ttls were bounded: beyond the Date range. */
const OLD_OUT_OF_RANGE = encodeStoredSetting({ percent: 50, expiresAt: NOW + 99_999_999_999 * DAY, revertTo: 10, updatedAt: NOW, by: 'admin@127.0.0.1' })

async function rejectedCount(registry: Registry, source: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === 'shadowgate_runtime_rejected_values_total')
  return Number(m?.values.find((v) => v.labels['source'] === source)?.value ?? 0)
}

describe('an out-of-range ttl (one admin call crashed every gateway sharing Redis)', () => {
  it('is refused by RuntimeSettings with SG_INVALID_SETTING and the maximum, and 30d is accepted', async () => {
    const s = new RuntimeSettings(runtimeTestConfig())
    for (const ttlMs of [MAX_MIRROR_TTL_MS + 1, 99_999_999_999 * DAY, 1e16, Number.POSITIVE_INFINITY]) {
      await expect(s.setMirror('users', 50, { ttlMs })).rejects.toMatchObject({ code: 'SG_INVALID_SETTING', statusCode: 400, message: expect.stringMatching(/ttl must (be at most 30d|be a positive)/) as unknown })
    }
    expect(s.mirrorPercent('users')).toBe(10)
    const change = await s.setMirror('users', 50, { ttlMs: MAX_MIRROR_TTL_MS })
    expect(change.ttlMs).toBe(MAX_MIRROR_TTL_MS)
    expect(s.list()[0]?.expiresAt).toBe(change.expiresAt)
    s.close()
  })

  it.each([
    ['an expiry beyond the Date range (what the unbounded admin call stored)', OLD_OUT_OF_RANGE],
    ['a ttl past the maximum', encodeStoredSetting({ percent: 50, expiresAt: NOW + MAX_MIRROR_TTL_MS + 1, revertTo: 10, updatedAt: NOW, by: 'x' })],
    ['an expiry before the change', encodeStoredSetting({ percent: 50, expiresAt: NOW - 1, revertTo: 10, updatedAt: NOW, by: 'x' })],
    ['a temporary change without updatedAt', JSON.stringify({ percent: 50, expiresAt: NOW + 1_000, revertTo: 10 })],
    ['updatedAt beyond the Date range', encodeStoredSetting({ percent: 50, expiresAt: null, revertTo: null, updatedAt: 1e300, by: 'x' })],
    ['a negative updatedAt', encodeStoredSetting({ percent: 50, expiresAt: null, revertTo: null, updatedAt: -1, by: 'x' })],
    ['an expiry as a string', JSON.stringify({ percent: 50, expiresAt: '2026-12-03', revertTo: 10, updatedAt: NOW, by: 'x' })],
  ])('a stored value with %s is logged, counted and ignored, never thrown', async (_what, raw) => {
    expect(decodeStoredSetting(raw)).toBeUndefined()
    const { logger, lines } = memoryLogger()
    const registry = new Registry()
    const s = new RuntimeSettings(runtimeTestConfig(), { logger, faults: new FaultCounters(registry), now: () => NOW })
    expect(() => s.applyStored('users', raw, 'fleet')).not.toThrow()
    expect(() => s.applySnapshot(new Map([['users', raw]]), new Set(), 'fleet')).not.toThrow()
    expect(s.mirrorPercent('users')).toBe(10)
    expect(s.list()[0]).toMatchObject({ percent: 10, expiresAt: null, updatedAt: null })
    expect(lines.filter((l) => l['msg'] === 'ignoring an invalid stored runtime setting')).toHaveLength(1)
    expect(await rejectedCount(registry, 'fleet')).toBe(1)
    s.close()
  })

  it('a change listener that throws is logged and counted, and the change still applies', async () => {
    const { logger, lines } = memoryLogger()
    const registry = new Registry()
    const s = new RuntimeSettings(runtimeTestConfig(), { logger, faults: new FaultCounters(registry) })
    s.onChange(() => {
      throw new Error('listener broke')
    })
    await s.setMirror('users', 20)
    expect(s.mirrorPercent('users')).toBe(20)
    expect(lines.find((l) => l['msg'] === 'an event handler failed; the event was ignored')).toMatchObject({ handler: 'runtime-change-listener', err: { message: 'listener broke' } })
    expect(await registry.getSingleMetricAsString('shadowgate_event_handler_errors_total')).toContain('shadowgate_event_handler_errors_total{handler="runtime-change-listener"} 1')
    s.close()
  })
})

describe('two gateways sharing Redis, after an out-of-range ttl', () => {
  let redis: TestRedis
  let admin: Redis
  const services: GatewayService[] = []
  let n = 0

  beforeAll(async () => {
    redis = await startRedis()
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterAll(async () => {
    admin.disconnect()
    await redis.close()
  })
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close()
  })

  async function fleet(prefix: string): Promise<{ a: string; b: string; logs: ReturnType<typeof memoryLogger>['lines']; b2: GatewayService }> {
    const config = runtimeTestConfig(`redis: { url: "${redis.url}", prefix: ${prefix} }\naudit: { enabled: false }\nadmin: { host: 127.0.0.1, port: 0 }`)
    const one = await createGatewayService(config, { logger: memoryLogger().logger })
    services.push(one)
    const watched = memoryLogger()
    const two = await createGatewayService(config, { logger: watched.logger })
    services.push(two)
    const [x, y] = [await one.listen(), await two.listen()]
    return { a: x.admin ?? '', b: y.admin ?? '', logs: watched.lines, b2: two }
  }

  it('answers 400 naming the maximum, stores nothing, and every instance keeps answering', async () => {
    const prefix = `ttl${++n}`
    const { a, b } = await fleet(prefix)
    for (const ttl of ['"99999999999d"', '1e16', '"31d"']) {
      const res = await fetch(`${a}/routes/users/mirror`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: `{"percent":50,"ttl":${ttl}}` })
      expect(res.status, ttl).toBe(400)
      expect(await res.json()).toEqual({ error: { code: 'SG_INVALID_SETTING', message: expect.stringContaining('ttl must be at most 30d (2592000000 ms)') as unknown } })
    }
    expect(await admin.hexists(runtimeSettingsKey(prefix), 'users')).toBe(0)
    for (const url of [a, b]) expect((await fetch(`${url}/routes`)).status).toBe(200)
  })

  it('a bad value from Redis (announced or polled) is logged, counted and ignored, and later changes still apply', async () => {
    const prefix = `ttl${++n}`
    const { a, b, logs, b2 } = await fleet(prefix)
    await admin.hset(runtimeSettingsKey(prefix), 'users', OLD_OUT_OF_RANGE)
    await admin.publish(runtimeChannel(prefix), JSON.stringify({ route: 'users', value: OLD_OUT_OF_RANGE }))
    await admin.publish(runtimeChannel(prefix), 'not json')
    await admin.publish(runtimeChannel(prefix), JSON.stringify({ route: 'users', value: 50 }))
    await waitFor(() => logs.some((l) => l['msg'] === 'ignoring an invalid stored runtime setting'), 5_000, 'the bad stored value to be seen')
    await waitFor(async () => (await rejectedCount(b2.metrics.registry, 'fleet')) === 3, 5_000, 'the two bad announcements and the bad value to be counted')
    for (const url of [a, b]) {
      const res = await fetch(`${url}/routes/users`)
      expect(res.status).toBe(200)
      expect(((await res.json()) as { route: unknown }).route).toMatchObject({ percent: 10, expiresAt: null })
    }
    expect(await (await fetch(`${b}/metrics`)).text()).toContain('shadowgate_runtime_rejected_values_total{source="fleet"} 3')
    // The admin API overwrites the bad value (compare-and-set on whatever is stored), and every instance follows.
    const fix = await fetch(`${a}/routes/users/mirror`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"percent":25,"ttl":"30d"}' })
    expect(fix.status).toBe(200)
    await waitFor(async () => ((await (await fetch(`${b}/routes/users`)).json()) as { route: { percent: number } }).route.percent === 25, 5_000, 'the repair to reach b')
  })
})
