import { startRedisCluster, waitFor, type TestRedisCluster } from '@shadowgate/dev-helpers'
import { WriteReplayer } from '@shadowgate/audit-service'
import { validateConfig, writeAttentionKey, writeStreamKey } from '@shadowgate/shared'
import { afterEach, describe, expect, it } from 'vitest'
import { startItemsApp } from './stateful-items-app.js'
import { WriteLogFixture, admin, rawWriteLogConfig, readAllItems, writeStatus } from './write-log-rig.js'

/** The port of the master serving `key`'s slot, and the slot, from CLUSTER KEYSLOT and CLUSTER NODES. */
async function ownerOf(cluster: TestRedisCluster, key: string): Promise<{ slot: number; master: number }> {
  const port = cluster.nodes[0]?.port ?? 0
  const slot = Number((await cluster.cli(port, 'cluster', 'keyslot', key)).trim())
  const lines = (await cluster.cli(port, 'cluster', 'nodes')).trim().split('\n').map((l) => l.split(' '))
  const master = lines.find(
    (f) =>
      f[2]?.includes('master') &&
      f.slice(8).some((r) => {
        const [lo, hi] = r.split('-').map(Number)
        return lo !== undefined && slot >= lo && slot <= (hi ?? lo)
      }),
  )
  if (!master) throw new Error(`no master serves slot ${slot}`)
  return { slot, master: Number(/:(\d+)@/.exec(master[1] ?? '')?.[1]) }
}

async function put(base: string, id: string, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${base}/items/${id}`, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000) })
  await res.arrayBuffer()
  return res.status
}

// The write log on a real Redis Cluster of three masters under the default prefix {shadowgate}:
// each partition's keys carry their own hash tag, so a route's partitions spread over the cluster,
// while each partition's scripts and transactions (gap entries, the replayer's trims) stay in one slot.
describe('write log on Redis Cluster', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it("spreads a route's 8 partitions over several masters; record, gap, acknowledge and replay work there", async () => {
    const cluster = fx.add(await startRedisCluster(), (c) => c.close())
    const old = fx.add(await startItemsApp(), (a) => a.close())
    const next = fx.add(await startItemsApp(), (a) => a.close())
    const raw = rawWriteLogConfig('redis://unused', '', old, next, { partitionBy: 'param:id', partitions: 8, appendTimeout: '2s', maxBodyBytes: 300 })
    const config = validateConfig({ ...raw, redis: { cluster: [...cluster.urls] } })
    const prefix = config.redis?.prefix ?? ''
    expect(prefix).toBe('{shadowgate}')

    const owners = await Promise.all(Array.from({ length: 8 }, (_, p) => ownerOf(cluster, writeStreamKey(prefix, 'items', p))))
    expect(new Set(owners.map((o) => o.slot)).size).toBeGreaterThan(1)
    expect(new Set(owners.map((o) => o.master)).size).toBeGreaterThan(1)

    const gw = await fx.gateway(config)
    let seq = 0
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 16; i++) expect(await put(gw.traffic, `item-${i}`, { name: `item-${i}-${round}`, seq: seq++ })).toBeLessThan(300)
    }
    // Over maxBodyBytes: served, and counted in a gap entry of its partition (a script over three keys of one slot).
    expect(await put(gw.traffic, 'item-big', { name: 'x'.repeat(400), seq: seq++ })).toBeLessThan(300)

    let last: unknown
    await waitFor(
      async () => {
        const s = await writeStatus(gw.admin)
        last = s
        return s.lagEntries === 81 && s.open['gap'] === 1
      },
      20_000,
      () => `80 intents and a gap in the log: ${JSON.stringify(last)}`,
    )
    const recorded = (await admin(gw.admin, 'GET', '/writes/items')).json['route'] as { partitions: { partition: number; pending: number }[]; items: { id: string; partition: number }[] }
    const used = recorded.partitions.filter((p) => p.pending > 0).map((p) => p.partition)
    expect(new Set(used.map((p) => owners[p]?.master)).size).toBeGreaterThan(1)

    const gap = recorded.items[0]
    expect(gap?.partition).toBeTypeOf('number')
    expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: gap?.id, reason: 'checked by hand' })).status).toBe(200)
    expect((await writeStatus(gw.admin)).open).toEqual({})
    // Stream ids are unique within a partition only: an id open in two partitions is acknowledged by naming one.
    for (const p of [0, 1]) await cluster.cli(owners[p]?.master ?? 0, 'hset', writeAttentionKey(prefix, 'items', p), '1-1', JSON.stringify({ kind: 'unknown' }))
    expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: '1-1', reason: 'checked' })).json).toMatchObject({ error: { code: 'SG_INVALID_SETTING' } })
    expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: '1/1-1', reason: 'checked' })).json).toMatchObject({ acknowledged: { id: '1-1', partition: 1 } })
    expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: '1-1', reason: 'checked' })).status).toBe(200)
    expect((await writeStatus(gw.admin)).open).toEqual({})

    expect((await admin(gw.admin, 'PUT', '/writes/items/stage', { stage: 'replay' })).status).toBe(200)
    fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000 }), (r) => r.close()).start()
    await waitFor(
      async () => {
        const s = await writeStatus(gw.admin)
        last = { ...s, next: next.writes.length }
        return s.lagEntries === 0 && next.writes.length === 80
      },
      30_000,
      () => `the log to drain: ${JSON.stringify(last)}`,
    )
    // The big write was served but never logged: the new side lacks exactly that one item.
    const oldItems = await readAllItems(old)
    delete oldItems['item-big']
    expect(await readAllItems(next)).toEqual(oldItems)
    const status = await writeStatus(gw.admin)
    expect(status.counters['replayed']).toBe(80)
    expect(status.counters['gaps']).toBe(1)
    expect(status.counters['mismatched'] ?? 0).toBe(0)
  }, 120_000)

  it('checks a cut-over against every partition, refusing on an open item named <partition>/<id> and committing once it is acknowledged', async () => {
    const cluster = fx.add(await startRedisCluster(), (c) => c.close())
    const old = fx.add(await startItemsApp(), (a) => a.close())
    const next = fx.add(await startItemsApp(), (a) => a.close())
    const raw = rawWriteLogConfig('redis://unused', '', old, next, { stage: 'replay', partitionBy: 'param:id', partitions: 8, appendTimeout: '2s', lagStableFor: '100ms' }, { cutover: { ackTimeout: '1s', maxPause: '5s', minTimeBetweenFlips: 0 } })
    const [route] = raw['routes'] as Record<string, unknown>[]
    if (route) route['stage'] = 'shadow'
    const config = validateConfig({ ...raw, redis: { cluster: [...cluster.urls] } })
    const prefix = config.redis?.prefix ?? ''
    const gw = await fx.gateway(config)
    fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000 }), (r) => r.close()).start()
    for (let i = 0; i < 16; i++) expect(await put(gw.traffic, `item-${i}`, { name: `n${i}`, seq: i })).toBeLessThan(300)
    let last: unknown
    await waitFor(async () => ((last = await writeStatus(gw.admin)) as { lagEntries: number }).lagEntries === 0 && next.writes.length === 16, 20_000, () => `the log to drain: ${JSON.stringify(last)}`)

    const owner = await ownerOf(cluster, writeStreamKey(prefix, 'items', 3))
    await cluster.cli(owner.master, 'hset', writeAttentionKey(prefix, 'items', 3), '1-1', JSON.stringify({ kind: 'unknown' }))
    const cutover = async (): Promise<{ outcome: string; abortReason: string | null; writes: string | null }> => {
      const { status, json } = await admin(gw.admin, 'POST', '/routes/items/cutover', { reason: 'cluster write log test' })
      expect(status).toBe(200)
      return json['cutover'] as { outcome: string; abortReason: string | null; writes: string | null }
    }
    const refused = await cutover()
    expect(refused.outcome).toBe('aborted')
    expect(refused.abortReason).toContain('unknown 3/1-1')

    expect((await admin(gw.admin, 'POST', '/writes/items/ack', { id: '3/1-1', reason: 'checked by hand' })).status).toBe(200)
    let outcome: unknown
    await waitFor(async () => ((outcome = await cutover()) as { outcome: string }).outcome === 'committed', 20_000, () => `a committed cut-over: ${JSON.stringify(outcome)}`)
    expect(outcome).toMatchObject({ writes: 'final' })
  }, 120_000)
})
