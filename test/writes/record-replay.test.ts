import { waitFor } from '@shadowgate/dev-helpers'
import { WriteReplayer } from '@shadowgate/audit-service'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteLogFixture, admin, readAllItems, sendWrite, writeLogConfig, writeStatus } from './write-log-rig.js'

describe('write log: record, then replay into a stateful new side', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('after draining, both sides hold the same items, with writes flowing all along', async () => {
    const { redis, old, next } = await fx.start()
    const config = writeLogConfig(redis.url, 'rr', old, next, { partitionBy: 'param:id', partitions: 4, appendTimeout: '2s' })
    const gw = await fx.gateway(config)

    // Ten clients, one per item, each sending its writes in order (per-key order is what the log keeps).
    let seq = 0
    let flowing = true
    let sent = 0
    const client = async (id: string): Promise<void> => {
      for (let n = 0; flowing && n < 400; n++) {
        const method = n % 7 === 6 ? 'DELETE' : n % 3 === 2 ? 'PATCH' : 'PUT'
        const status = await sendWrite(gw.traffic, method, id, method === 'DELETE' ? undefined : { name: `${id}-${n}`, seq: seq++ })
        expect([200, 201, 204, 404]).toContain(status)
        sent++
      }
    }
    const clients = Array.from({ length: 10 }, (_, i) => client(`item-${i}`))

    await waitFor(() => sent >= 100, 20_000, 'writes through the gateway')
    expect(next.writes).toHaveLength(0)
    const recorded = await writeStatus(gw.admin)
    expect(recorded.stage).toBe('record')
    expect(recorded.lagEntries).toBeGreaterThanOrEqual(100)

    expect((await admin(gw.admin, 'PUT', '/writes/items/stage', { stage: 'replay' })).status).toBe(200)
    fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000 }), (r) => r.close()).start()
    await waitFor(() => next.writes.length >= 50, 20_000, 'replays reaching the new side while writes flow')
    flowing = false
    await Promise.all(clients)

    let last: unknown
    const drained = async (): Promise<boolean> => {
      const s = await writeStatus(gw.admin)
      last = { ...s, old: old.writes.length, next: next.writes.length }
      return s.lagEntries === 0 && next.writes.length === old.writes.filter((w) => w.status < 400).length
    }
    await waitFor(drained, 30_000, () => `the log to drain: ${JSON.stringify(last)}`)
    const oldItems = await readAllItems(old)
    expect(Object.keys(oldItems).length).toBeGreaterThan(0)
    expect(await readAllItems(next)).toEqual(oldItems)

    // Every replay carried the key the old side saw for the same write, and every status matched.
    const accepted = old.writes.filter((w) => w.status < 400)
    // Partitions replay in parallel: the order that holds is each item's own.
    const perItem = (ws: typeof accepted): Record<string, unknown[]> => {
      const out: Record<string, unknown[]> = {}
      for (const w of ws) (out[w.id] ??= []).push([w.method, w.key, w.seq, w.status])
      return out
    }
    expect(perItem(next.writes)).toEqual(perItem(accepted))
    expect(new Set(accepted.map((w) => w.key)).size).toBe(accepted.length)
    const status = await writeStatus(gw.admin)
    expect(status.counters['replayed']).toBe(old.writes.filter((w) => w.status < 400).length)
    expect(status.counters['mismatched'] ?? 0).toBe(0)
    expect(status.counters['skipped']).toBe(old.writes.filter((w) => w.status >= 400).length)
    expect(status.open).toEqual({})
    expect(status.counters['gaps'] ?? 0).toBe(0)
  }, 90_000)

  it('stage final: writes go to the new side and, with reverse, are replayed to the old one; lag is reported', async () => {
    const { redis, old, next } = await fx.start()
    const config = writeLogConfig(redis.url, 'fin', old, next, { stage: 'final', appendTimeout: '2s' })
    const gw = await fx.gateway(config)
    for (let i = 0; i < 20; i++) expect(await sendWrite(gw.traffic, i % 4 === 3 ? 'DELETE' : 'PUT', `f${i % 3}`, i % 4 === 3 ? undefined : { name: `n${i}`, seq: i })).toBeLessThan(300)
    expect(old.writes).toHaveLength(0)
    expect(next.writes).toHaveLength(20)

    const lines: string[] = []
    const replayer = fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000, points: { write: (ps) => lines.push(...ps.map((p) => p.toLineProtocol() ?? '')) } }), (r) => r.close())
    const before = await replayer.reportLag()
    expect(before.get('items')?.entries).toBe(20)
    expect(lines.find((l) => l.startsWith('shadowgate_replay,'))).toMatch(/^shadowgate_replay,route=items .*lag_entries=20i/)
    replayer.start()
    await waitFor(async () => (await writeStatus(gw.admin)).lagEntries === 0, 20_000, 'the reverse log to drain')
    expect(await readAllItems(old)).toEqual(await readAllItems(next))
    expect(old.writes.map((w) => w.key)).toEqual(next.writes.map((w) => w.key))
    expect((await replayer.reportLag()).get('items')).toEqual({ entries: 0, seconds: 0 })
    expect(lines.at(-1)).toMatch(/lag_entries=0i.*replayed=20i/)

    // Without reverse nothing is logged in stage final.
    const plain = await fx.gateway(writeLogConfig(redis.url, 'fin2', old, next, { stage: 'final', reverse: false }))
    expect(await sendWrite(plain.traffic, 'PUT', 'solo', { name: 's' })).toBe(201)
    expect(next.items.has('solo')).toBe(true)
    expect((await writeStatus(plain.admin)).lagEntries).toBe(0)
  }, 60_000)
})
