import { NodeProcess, waitFor } from '@shadowgate/dev-helpers'
import { afterEach, describe, expect, it } from 'vitest'
import type { AppliedWrite } from './stateful-items-app.js'
import { SHADOWGATE_BIN, WriteLogFixture, admin, rawWriteLogConfig, readAllItems, sendWrite, writeLogConfig, writeStatus } from './write-log-rig.js'

function replayerProcess(fx: WriteLogFixture, file: string, name: string): NodeProcess {
  return fx.add(new NodeProcess(SHADOWGATE_BIN, ['replay', '--config', file, '--lease-ttl', '1s', '--poll', '20ms', '--log-level', 'info'], { name }), (p) => p.stop('SIGTERM', 10_000))
}

/** The writes each item received, in order, first deliveries only. */
function perItem(ws: readonly AppliedWrite[]): Record<string, (string | undefined)[]> {
  const out: Record<string, (string | undefined)[]> = {}
  for (const w of ws) if (!w.duplicate) (out[w.id] ??= []).push(w.key)
  return out
}

describe('write log: a replayer SIGKILLed mid-stream', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('the next replayer claims its entries: nothing lost, duplicates only with a used key, per-key order kept over 8 partitions', async () => {
    const { redis, old, next } = await fx.start()
    const writes = { partitionBy: 'param:id', partitions: 8, appendTimeout: '2s' }
    const config = writeLogConfig(redis.url, 'kill', old, next, writes)
    const file = await fx.configFile(rawWriteLogConfig(redis.url, 'kill', old, next, writes))
    const gw = await fx.gateway(config)

    let seq = 0
    const client = async (id: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) expect(await sendWrite(gw.traffic, i % 2 ? 'PATCH' : 'PUT', id, { name: `${id}-${i}`, seq: seq++ })).toBeLessThan(300)
    }
    await Promise.all(Array.from({ length: 24 }, (_, i) => client(`k${i}`, 25)))
    expect((await writeStatus(gw.admin)).lagEntries).toBe(600)

    // Slow answers keep the first replayer mid-stream when it is killed.
    next.writeDelayMs = 5
    expect((await admin(gw.admin, 'PUT', '/writes/items/stage', { stage: 'replay' })).status).toBe(200)
    const first = replayerProcess(fx, file, 'replayer-1')
    await first.waitReady(() => next.writes.length >= 100, 30_000)
    first.signal('SIGKILL')
    await first.waitExit(10_000)
    const atKill = next.writes.length
    expect(atKill).toBeLessThan(600)

    // Writes keep arriving while no replayer runs.
    await Promise.all(Array.from({ length: 8 }, (_, i) => client(`k${i}`, 5)))
    next.writeDelayMs = 0
    const second = replayerProcess(fx, file, 'replayer-2')
    let last: unknown
    await waitFor(
      async () => {
        const s = await writeStatus(gw.admin)
        last = s
        return s.lagEntries === 0 && next.writes.filter((w) => !w.duplicate).length === old.writes.length
      },
      60_000,
      () => `the log to drain: ${JSON.stringify(last)} ${second.output.slice(-2000)}`,
    )
    expect(second.seen('replaying partition')).toBeGreaterThan(0)

    expect(await readAllItems(next)).toEqual(await readAllItems(old))
    // Nothing lost, nothing invented: first deliveries are exactly the old side's writes, per item in order.
    expect(perItem(next.writes)).toEqual(perItem(old.writes))
    // A duplicate is a write whose key the new side had already seen (claimed again after the kill).
    const seen = new Set<string | undefined>()
    for (const w of next.writes) {
      if (w.duplicate) expect(seen.has(w.key)).toBe(true)
      seen.add(w.key)
    }
    expect(new Set(old.writes.map((w) => w.key)).size).toBe(old.writes.length)
    const status = await writeStatus(gw.admin)
    expect(status.open).toEqual({})
    expect(status.counters['replayed']).toBeGreaterThanOrEqual(old.writes.length)
  }, 120_000)
})
