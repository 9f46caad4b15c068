import { waitFor } from '@shadowgate/dev-helpers'
import { writeStagesChannel, writeStagesKey } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteLogFixture, admin, sendWrite, writeLogConfig, writeStatus } from './write-log-rig.js'

describe('write stages are runtime state in their own Redis hash', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('a stage set on one gateway reaches another; a bad announcement is ignored and counted', async () => {
    const { redis, old, next } = await fx.start()
    const routes = [
      { name: 'items', match: '/items/:id', writes: { stage: 'old', appendTimeout: '2s' } },
      { name: 'plain', match: '/plain' },
    ]
    const config = writeLogConfig(redis.url, 'stg', old, next, {}, { routes })
    const a = await fx.gateway(config)
    const b = await fx.gateway(config)

    expect(await sendWrite(b.traffic, 'PUT', 'x', { name: 'x' })).toBe(201)
    expect((await writeStatus(a.admin)).lagEntries).toBe(0)
    expect((await admin(a.admin, 'PUT', '/writes/items/stage', { stage: 'record' })).json).toEqual({ route: 'items', stage: 'record' })
    await waitFor(async () => (await writeStatus(b.admin)).stage === 'record', 5_000, 'gateway b to follow the stage')
    expect(await sendWrite(b.traffic, 'PUT', 'y', { name: 'y' })).toBe(201)
    expect((await writeStatus(a.admin)).lagEntries).toBe(1)

    // The runtime hash of the mirror settings is untouched; the stage has its own.
    const client = fx.add(new Redis(redis.url), (c) => c.disconnect())
    expect(await client.hgetall(writeStagesKey('stg'))).toEqual({ items: 'record' })
    expect(await client.exists('stg:runtime:routes')).toBe(0)

    await client.publish(writeStagesChannel('stg'), '{"route":"items","stage":"sideways"}')
    await client.publish(writeStagesChannel('stg'), 'not json')
    await waitFor(async () => (await b.service.metrics.registry.metrics()).includes('shadowgate_runtime_rejected_values_total{source="fleet"} 2'), 5_000, 'two rejected announcements')
    expect((await writeStatus(b.admin)).stage).toBe('record')
    expect((await admin(a.admin, 'PUT', '/writes/items/stage', { stage: 'sideways' })).status).toBe(400)
    expect((await admin(a.admin, 'PUT', '/writes/nope/stage', { stage: 'record' })).status).toBe(404)
    const plain = await admin(a.admin, 'PUT', '/writes/plain/stage', { stage: 'record' })
    expect([plain.status, plain.json]).toEqual([400, { error: { code: 'SG_INVALID_SETTING', message: 'route "plain" has no write log (no writes block in its config)' } }])
    expect((await admin(a.admin, 'GET', '/writes/plain')).status).toBe(400)
    expect((await admin(a.admin, 'GET', '/writes')).json['routes']).toHaveLength(1)
  }, 30_000)
})
