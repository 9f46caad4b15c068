import { NodeProcess, waitFor } from '@shadowgate/dev-helpers'
import { WriteReplayer } from '@shadowgate/audit-service'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { SHADOWGATE_BIN, WriteLogFixture, admin, rawWriteLogConfig, sendWrite, writeLogConfig, writeStatus, type RouteStatus } from './write-log-rig.js'

describe('write log: outages', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('Redis stopped mid-run: clients get the old side\'s answers and the log records a gap of the right count once Redis is back', async () => {
    const { redis, old, next } = await fx.start()
    const gw = await fx.gateway(writeLogConfig(redis.url, 'out', old, next, { appendTimeout: '2s' }))
    for (let i = 0; i < 10; i++) expect(await sendWrite(gw.traffic, 'PUT', `a${i}`, { name: 'a', seq: i })).toBe(201)

    await redis.stop()
    for (let i = 0; i < 5; i++) expect(await sendWrite(gw.traffic, 'PUT', `b${i}`, { name: 'b', seq: i })).toBe(201)
    expect([...old.items.keys()].filter((k) => k.startsWith('b'))).toHaveLength(5)
    expect((await admin(gw.admin, 'GET', '/writes/items')).json).toMatchObject({ error: { code: 'SG_RUNTIME_STORE_UNAVAILABLE' } })

    // A stopped redis-server loses its data (nothing is persisted in tests): only what comes after is in the log.
    await redis.start()
    let last: RouteStatus | undefined
    await waitFor(
      async () => {
        last = await writeStatus(gw.admin).catch(() => undefined)
        return last?.open['gap'] === 5
      },
      15_000,
      () => `a gap of 5: ${JSON.stringify(last)}`,
    )
    const gap = last?.items.find((i) => i.kind === 'gap')
    expect(gap).toMatchObject({ reason: 'redis_unavailable', count: 5 })
    expect(Number(gap?.['to'])).toBeGreaterThanOrEqual(Number(gap?.['from']))
    for (let i = 0; i < 3; i++) expect(await sendWrite(gw.traffic, 'PUT', `c${i}`, { name: 'c', seq: i })).toBe(201)
    const after = await writeStatus(gw.admin)
    expect(after.lagEntries).toBe(4) // the gap entry and three intents
    expect(after.counters['gaps']).toBe(5)
  }, 60_000)

  it('gateway SIGKILLed mid-write: the intent without an outcome is reported unknown and holds its partition until acknowledged', async () => {
    const { redis, old, next } = await fx.start()
    const writes = { stage: 'replay', unknownAfter: '300ms', appendTimeout: '2s' }
    const file = await fx.configFile(rawWriteLogConfig(redis.url, 'crash', old, next, writes, { admin: { enabled: false } }))
    const gw = fx.add(new NodeProcess(SHADOWGATE_BIN, ['gateway', '--config', file], { name: 'gateway' }), (p) => p.stop('SIGTERM', 10_000))
    await gw.waitReady(() => gw.seen('shadowgate gateway listening') > 0, 30_000)
    const traffic = String(gw.lines.find((l) => typeof l['traffic'] === 'string')?.['traffic'])

    // The old side applies the write at once and answers late: the gateway dies in between.
    old.writeDelayMs = 10_000
    const pending = sendWrite(traffic, 'PUT', 'lost', { name: 'l', seq: 1 }).catch((err: unknown) => err)
    await waitFor(() => old.writes.length === 1, 10_000, 'the write to reach the old side')
    gw.signal('SIGKILL')
    await gw.waitExit(10_000)
    expect(await pending).toBeInstanceOf(Error)
    old.writeDelayMs = 0

    // A new gateway (for the admin API and more writes) and a replayer.
    const config = writeLogConfig(redis.url, 'crash', old, next, writes)
    const again = await fx.gateway(config)
    const admin2 = again.admin
    expect(await sendWrite(again.traffic, 'PUT', 'later', { name: 'x', seq: 2 })).toBe(201)
    fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000 }), (r) => r.close()).start()
    let last: RouteStatus | undefined
    await waitFor(async () => (last = await writeStatus(admin2)).open['unknown'] === 1, 15_000, () => `an unknown entry: ${JSON.stringify(last)}`)
    const unknown = last?.items.find((i) => i.kind === 'unknown')
    expect(unknown).toMatchObject({ method: 'PUT', target: '/items/lost' })
    expect(last?.lagEntries).toBe(2)
    // Held: the later write of the same partition waits behind it.
    expect(next.writes).toHaveLength(0)

    expect((await admin(admin2, 'POST', '/writes/items/ack', { id: unknown?.id, reason: 'applied on the new side by hand' })).status).toBe(200)
    await waitFor(async () => (last = await writeStatus(admin2)).lagEntries === 0, 15_000, () => `the log to drain: ${JSON.stringify(last)}`)
    expect(next.writes.map((w) => w.id)).toEqual(['later'])
    expect(last?.counters).toMatchObject({ unknowns: 1, acknowledged: 1, replayed: 1 })
  }, 60_000)

  it('an outcome that arrives after unknownAfter closes the unknown, and the write is replayed', async () => {
    const { redis, old, next } = await fx.start()
    const config = writeLogConfig(redis.url, 'late', old, next, { stage: 'replay', unknownAfter: '200ms', appendTimeout: '2s' })
    const gw = await fx.gateway(config)
    fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000 }), (r) => r.close()).start()
    old.writeDelayMs = 1_500
    const answered = sendWrite(gw.traffic, 'PUT', 'slow', { name: 's', seq: 1 })
    let last: RouteStatus | undefined
    await waitFor(async () => (last = await writeStatus(gw.admin)).open['unknown'] === 1, 10_000, () => `an unknown while the old side is slow: ${JSON.stringify(last)}`)
    expect(await answered).toBe(201)
    await waitFor(async () => (last = await writeStatus(gw.admin)).lagEntries === 0, 10_000, () => `the late write to replay: ${JSON.stringify(last)}`)
    expect(last?.open).toEqual({})
    expect(next.items.get('slow')?.name).toBe('s')
  }, 30_000)

  it('a Redis slower than appendTimeout never holds a write: it is forwarded at once and counted in a gap', async () => {
    const { redis, old, next } = await fx.start()
    const gw = await fx.gateway(writeLogConfig(redis.url, 'slow', old, next, { appendTimeout: '50ms' }))
    expect(await sendWrite(gw.traffic, 'PUT', 'warm', { name: 'w' })).toBe(201)
    const client = fx.add(new Redis(redis.url), (c) => c.disconnect())
    // Redis holds every write command (XADD scripts included) for 1.5 s.
    await client.call('CLIENT', 'PAUSE', '1500', 'WRITE')
    const started = performance.now()
    const statuses = await Promise.all([0, 1, 2].map((i) => sendWrite(gw.traffic, 'PUT', `p${i}`, { name: 'p' })))
    expect(statuses).toEqual([201, 201, 201])
    expect(performance.now() - started).toBeLessThan(1_200)
    let last: RouteStatus | undefined
    await waitFor(async () => (last = await writeStatus(gw.admin)).open['gap'] === 3, 10_000, () => `a gap of 3: ${JSON.stringify(last)}`)
    expect(last?.items.find((i) => i.kind === 'gap')).toMatchObject({ reason: 'redis_unavailable', count: 3 })
  }, 30_000)
})
