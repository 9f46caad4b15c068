import type { Point } from '@influxdata/influxdb-client'
import { waitFor } from '@shadowgate/dev-helpers'
import { WriteReplayer } from '@shadowgate/audit-service'
import { writeStreamKey } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteLogFixture, admin, sendWrite, writeLogConfig, writeStatus, type RouteStatus } from './write-log-rig.js'

describe('write log: bad input is a counted, visible outcome', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('an oversized body, a 409, a 500 and a hand-made entry each end up counted and listed; the replayer keeps going', async () => {
    const { redis, old, next } = await fx.start()
    const config = writeLogConfig(redis.url, 'bad', old, next, { stage: 'replay', maxBodyBytes: 100, maxAttempts: 2, appendTimeout: '2s' })
    const gw = await fx.gateway(config)
    const points: Point[] = []
    fx.add(new WriteReplayer(config, { pollMs: 20, backoffMs: 10, reportMs: 60_000, points: { write: (p) => points.push(...p) } }), (r) => r.close()).start()
    let last: RouteStatus | undefined
    const until = async (check: (s: RouteStatus) => boolean, what: string): Promise<void> =>
      waitFor(async () => check((last = await writeStatus(gw.admin))), 15_000, () => `${what}: ${JSON.stringify(last)}`)

    // Over the body limit: served by the old side, not logged, a gap.
    expect(await sendWrite(gw.traffic, 'PUT', 'big', { name: 'x'.repeat(200), seq: 1 })).toBe(201)
    expect(old.items.get('big')?.name).toBe('x'.repeat(200))
    // Many chunks past the limit: every byte still reaches the old side, in order.
    const huge = Array.from({ length: 40_000 }, (_, i) => String(i % 10)).join('')
    expect(await sendWrite(gw.traffic, 'PUT', 'huge', { name: huge, seq: 2 })).toBe(201)
    expect(old.items.get('huge')?.name).toBe(huge)
    await until((s) => s.open['gap'] === 2, 'two body_too_large gaps')
    expect(last?.items.find((i) => i.kind === 'gap')).toMatchObject({ reason: 'body_too_large' })
    expect(next.items.has('big')).toBe(false)
    expect(next.items.has('huge')).toBe(false)

    // The new side already has the item: 201 on the old side, 409 on the new one, a mismatch at `status`.
    next.items.set('dup', { id: 'dup', name: 'earlier', version: 1, seqs: [] })
    expect(await sendWrite(gw.traffic, 'POST', 'dup', { name: 'dup', seq: 2 })).toBe(201)
    await until((s) => s.counters['mismatched'] === 1, 'a status mismatch')
    const mismatch = points.map((p) => p.toLineProtocol() ?? '').find((l) => l.includes('outcome=mismatch'))
    expect(mismatch).toMatch(/^shadowgate_replay_audit,check=status,method=POST,outcome=mismatch,path=status,route=items .*logged_status=201i.*replay_status=409i/)

    // The old side refused the write: logged, skipped by the replayer.
    expect(await sendWrite(gw.traffic, 'PATCH', 'missing', { name: 'm', seq: 3 })).toBe(404)
    await until((s) => s.counters['skipped'] === 1, 'a skipped write')
    expect(next.writes.some((w) => w.id === 'missing')).toBe(false)

    // The new side fails: retried maxAttempts times, then parked and listed by `writes failed`.
    next.failWith = 500
    expect(await sendWrite(gw.traffic, 'PUT', 'broken', { name: 'b', seq: 4 })).toBe(201)
    await until((s) => s.open['parked'] === 1, 'a parked entry')
    expect(next.writes.filter((w) => w.id === 'broken')).toHaveLength(2)
    next.failWith = undefined
    const failed = await admin(gw.admin, 'GET', '/writes/items/failed')
    expect(failed.json['failed']).toEqual([expect.objectContaining({ kind: 'parked', method: 'PUT', target: '/items/broken', last: 'status 500', attempts: 2 })])

    // A malformed entry pushed by hand: listed, counted, and the next write still replays.
    const client = fx.add(new Redis(redis.url), (c) => c.disconnect())
    await client.xadd(writeStreamKey('bad', 'items', 0), '*', 't', 'intent', 'k', 'no spaces allowed', 'm', 'PUT')
    expect(await sendWrite(gw.traffic, 'PUT', 'after', { name: 'a', seq: 5 })).toBe(201)
    await until((s) => s.open['malformed'] === 1 && s.lagEntries === 0, 'the malformed entry counted and the log drained')
    expect(next.items.get('after')?.name).toBe('a')
    expect(last?.items.find((i) => i.kind === 'malformed')?.['problem']).toMatch(/idempotency key/)
    expect(last?.counters).toMatchObject({ gaps: 2, mismatched: 1, skipped: 1, failed: 2, parked: 1, malformed: 1, replayed: 2 })

    // Acknowledging: a reason is required, an unknown id is a 404, an acknowledged gap leaves the list.
    const gapId = last?.items.find((i) => i.kind === 'gap')?.id ?? ''
    expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: gapId })).json).toMatchObject({ error: { code: 'SG_INVALID_SETTING' } })
    expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: '1-1', reason: 'x' })).json).toMatchObject({ error: { code: 'SG_WRITE_ENTRY_NOT_FOUND' } })
    // The two big writes are one gap entry or two, depending on when the first one reached Redis.
    for (const gap of last?.items.filter((i) => i.kind === 'gap') ?? []) expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: gap.id, reason: 'big uploads are synced by hand' })).status).toBe(200)
    expect((await writeStatus(gw.admin)).open['gap']).toBeUndefined()
  }, 60_000)

  it('a full log (maxPendingEntries) turns further writes into a counted log_full gap; they are still served', async () => {
    const { redis, old, next } = await fx.start()
    const gw = await fx.gateway(writeLogConfig(redis.url, 'full', old, next, { maxPendingEntries: 3, appendTimeout: '2s' }))
    for (let i = 0; i < 5; i++) expect(await sendWrite(gw.traffic, 'PUT', `i${i}`, { name: 'n', seq: i })).toBe(201)
    expect(old.items.size).toBe(5)
    let last: RouteStatus | undefined
    await waitFor(async () => (last = await writeStatus(gw.admin)).open['gap'] === 2, 15_000, () => `a log_full gap of 2: ${JSON.stringify(last)}`)
    expect(last?.items.find((i) => i.kind === 'gap')).toMatchObject({ reason: 'log_full', count: 2 })
    // Three intents and the gap entry: a gap is recorded even in a full log, one entry per flush.
    expect(last?.lagEntries).toBe(4)
  }, 30_000)
})
