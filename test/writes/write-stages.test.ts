import { startRedis, waitFor, type TestRedis } from '@shadowgate/dev-helpers'
import { writeStagesChannel, writeStagesKey } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { startItemsApp, type ItemsApp } from './stateful-items-app.js'
import { admin, sendWrite, startGateway, writeLogConfig, writeStatus, type RunningGateway } from './write-log-rig.js'

describe('write stages are runtime state in their own Redis hash', () => {
  let redis: TestRedis | undefined
  let apps: ItemsApp[] = []
  let gateways: RunningGateway[] = []
  let client: Redis | undefined

  afterEach(async () => {
    client?.disconnect()
    for (const g of gateways) await g.service.close()
    for (const a of apps) await a.close()
    await redis?.close()
    client = undefined
    gateways = []
    apps = []
    redis = undefined
  })

  it('a stage set on one gateway reaches another; a bad announcement is ignored and counted', async () => {
    redis = await startRedis()
    const old = await startItemsApp()
    const next = await startItemsApp()
    apps = [old, next]
    const config = writeLogConfig(redis.url, 'stg', old, next, { stage: 'old', appendTimeout: '2s' })
    const a = await startGateway(config)
    const b = await startGateway(config)
    gateways = [a, b]

    expect(await sendWrite(b.traffic, 'PUT', 'x', { name: 'x' })).toBe(201)
    expect((await writeStatus(a.admin)).lagEntries).toBe(0)
    expect((await admin(a.admin, 'PUT', '/writes/items/stage', { stage: 'record' })).json).toEqual({ route: 'items', stage: 'record' })
    await waitFor(async () => (await writeStatus(b.admin)).stage === 'record', 5_000, 'gateway b to follow the stage')
    expect(await sendWrite(b.traffic, 'PUT', 'y', { name: 'y' })).toBe(201)
    expect((await writeStatus(a.admin)).lagEntries).toBe(1)

    // The runtime hash of the mirror settings is untouched; the stage has its own.
    client = new Redis(redis.url)
    expect(await client.hgetall(writeStagesKey('stg'))).toEqual({ items: 'record' })
    expect(await client.exists('stg:runtime:routes')).toBe(0)

    await client.publish(writeStagesChannel('stg'), '{"route":"items","stage":"sideways"}')
    await client.publish(writeStagesChannel('stg'), 'not json')
    await waitFor(async () => (await b.service.metrics.registry.metrics()).includes('shadowgate_runtime_rejected_values_total{source="fleet"} 2'), 5_000, 'two rejected announcements')
    expect((await writeStatus(b.admin)).stage).toBe('record')
    expect((await admin(a.admin, 'PUT', '/writes/items/stage', { stage: 'sideways' })).status).toBe(400)
    expect((await admin(a.admin, 'PUT', '/writes/nope/stage', { stage: 'record' })).status).toBe(404)
  }, 30_000)
})
