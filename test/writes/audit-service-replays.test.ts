import { waitFor } from '@shadowgate/dev-helpers'
import { createAuditService } from '@shadowgate/audit-service'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteLogFixture, readAllItems, sendWrite, writeLogConfig, writeStatus } from './write-log-rig.js'

describe('the write replayer inside the audit service', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('an audit service started by its builder replays a logged write, and stops replaying when closed', async () => {
    const { redis, old, next } = await fx.start()
    const config = writeLogConfig(redis.url, 'inaudit', old, next, { stage: 'replay', appendTimeout: '2s' })
    const gw = await fx.gateway(config)
    const service = fx.add(createAuditService(config, { logger: pino({ level: 'silent' }), replay: { pollMs: 20, reportMs: 60_000 } }), (s) => s.close())
    expect(service.replayer).toBeDefined()
    await service.start()

    expect(await sendWrite(gw.traffic, 'PUT', 'a1', { name: 'first', seq: 1 })).toBe(201)
    await waitFor(() => next.items.has('a1'), 20_000, 'the write replayed to the new side')
    await waitFor(async () => (await writeStatus(gw.admin)).lagEntries === 0, 20_000, 'the log to drain')
    expect(await readAllItems(next)).toEqual(await readAllItems(old))
    expect(service.replayer?.stats('items').replayed).toBe(1)

    await service.close()
    expect(await sendWrite(gw.traffic, 'PUT', 'a2', { name: 'second', seq: 2 })).toBe(201)
    expect((await writeStatus(gw.admin)).lagEntries).toBe(1)
    expect(next.items.has('a2')).toBe(false)
  }, 60_000)

  it('worker.replay: false leaves the write log to shadowgate replay', async () => {
    const { redis, old, next } = await fx.start()
    const config = writeLogConfig(redis.url, 'noreplay', old, next, { stage: 'replay' }, { worker: { replay: false } })
    const service = fx.add(createAuditService(config, { logger: pino({ level: 'silent' }) }), (s) => s.close())
    expect(service.replayer).toBeUndefined()
  }, 30_000)
})
