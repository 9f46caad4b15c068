import { waitFor } from '@shadowgate/dev-helpers'
import { WriteReplayer } from '@shadowgate/audit-service'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteLogFixture, sendWrite, writeLogConfig, writeStatus } from './write-log-rig.js'

describe('read-after-write verify of replayed writes (writes.verify: GET {path})', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('reads both sides back: identical is a match, a field stored differently a mismatch at its path, a failed read neither', async () => {
    const { redis, old, next } = await fx.start()
    // The new side keeps names upper-cased for some items, and cannot read others.
    next.storeAs = (item) => (item.id.startsWith('upper') ? { ...item, name: item.name.toUpperCase() } : item)
    next.readFailure = (id) => (id.startsWith('broken') ? 503 : undefined)
    const config = writeLogConfig(redis.url, 'rbv', old, next, { stage: 'replay', appendTimeout: '2s', verify: { read: 'GET {path}', delay: '20ms', concurrency: 2 } })
    const gw = await fx.gateway(config)
    const lines: string[] = []
    fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000, points: { write: (ps) => lines.push(...ps.map((p) => p.toLineProtocol() ?? '')) } }), (r) => r.close()).start()

    expect(await sendWrite(gw.traffic, 'PUT', 'same-1', { name: 'plain', seq: 1 })).toBe(201)
    expect(await sendWrite(gw.traffic, 'PUT', 'upper-1', { name: 'mixed Case', seq: 2 })).toBe(201)
    expect(await sendWrite(gw.traffic, 'PUT', 'broken-1', { name: 'gone', seq: 3 })).toBe(201)
    let c: Record<string, number> = {}
    await waitFor(
      async () => {
        c = (await writeStatus(gw.admin)).counters
        return (c['read_matched'] ?? 0) + (c['read_mismatched'] ?? 0) + (c['read_failed'] ?? 0) === 3
      },
      20_000,
      () => `three read-backs counted: ${JSON.stringify(c)}`,
    )
    expect([c['replayed'], c['mismatched'] ?? 0, c['read_matched'], c['read_mismatched'], c['read_failed']]).toEqual([3, 0, 1, 1, 1])

    const reads = lines.filter((l) => l.startsWith('shadowgate_replay_audit,check=read,'))
    expect(reads).toHaveLength(3)
    expect(reads.find((l) => l.includes('outcome=match'))).toMatch(/^shadowgate_replay_audit,check=read,method=PUT,outcome=match,route=items differences=0i,mismatch=0i,new_status=200i,old_status=200i/)
    expect(reads.find((l) => l.includes('outcome=mismatch'))).toMatch(/^shadowgate_replay_audit,check=read,method=PUT,outcome=mismatch,path=\$\.name,route=items differences=1i,mismatch=1i,new_status=200i,old_status=200i,paths="\$\.name"/)
    expect(reads.find((l) => l.includes('outcome=read_failed'))).toMatch(/^shadowgate_replay_audit,check=read,method=PUT,outcome=read_failed,route=items,side=new error="status 503",mismatch=0i/)
    // The status audit of every replay is there as before.
    expect(lines.filter((l) => l.startsWith('shadowgate_replay_audit,check=status,method=PUT,outcome=match,'))).toHaveLength(3)
  }, 60_000)
})
