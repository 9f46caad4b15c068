import type { ServerResponse } from 'node:http'
import { Redis } from 'ioredis'
import type { Queue } from 'bullmq'
import { migrationLogKey, parseConfig, runtimeSettingsKey, type AuditJob, type ShadowgateConfig } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayService, type GatewayService } from '../../../gateway/src/server/gateway-service.js'
import { MIRROR_MARKER_HEADER } from '../../../gateway/src/mirror/mirror-marker.js'
import { startRedis, startServer, waitFor, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { bodyBytes, queuedPairs, readerQueue } from '../capture/capture-fixtures.js'
import { memoryLogger } from '../runtime/runtime-test-config.js'

const TOKEN = 'stage-admin-token-01'
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
const USERS = Array.from({ length: 120 }, (_, i) => `user-${i}`)

interface Gateway {
  readonly service: GatewayService
  readonly traffic: string
  readonly admin: string
}

function bodyText(o: AuditJob['primary']): string {
  return o.kind === 'response' ? bodyBytes(o.body).toString() : ''
}

describe('migration stages on two gateways sharing Redis', () => {
  let oldSide: TestServer
  let newSide: TestServer
  let redis: TestRedis
  let raw: Redis
  let queue: Queue | undefined
  const services: GatewayService[] = []
  let prefixN = 0

  beforeAll(async () => {
    const answer = (side: string) => (req: { url?: string | undefined; headers: Record<string, unknown> }, res: ServerResponse) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ side, url: req.url, user: req.headers['x-user'] ?? null }))
    }
    oldSide = await startServer(answer('old'))
    newSide = await startServer(answer('new'))
    redis = await startRedis()
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close()
    await queue?.close()
    queue = undefined
    oldSide.received.length = 0
    newSide.received.length = 0
  })
  afterAll(async () => {
    raw?.disconnect()
    await oldSide?.close()
    await newSide?.close()
    await redis?.close()
  })

  function config(prefix: string | undefined, stage = 'passthrough'): ShadowgateConfig {
    return parseConfig(`
primary: ${oldSide.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
${prefix === undefined ? '' : `redis: { url: "${redis.url}", prefix: ${prefix} }`}
routes:
  - name: items
    match: /items/*
    old: ${oldSide.url}
    new: ${newSide.url}
    stage: ${stage}
    mirror: { percent: 100, sticky: "header:x-user", headers: { set: { x-env: test } } }
`)
  }

  async function start(cfg: ShadowgateConfig): Promise<Gateway> {
    const service = await createGatewayService(cfg, { logger: memoryLogger().logger, runtimePollMs: 60_000 })
    services.push(service)
    const addr = await service.listen()
    return { service, traffic: addr.traffic, admin: addr.admin ?? '' }
  }

  async function admin(gw: Gateway, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw.admin}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  async function sideFor(gw: Gateway, user: string, path = `/items/${user}`): Promise<string> {
    const res = await fetch(`${gw.traffic}${path}`, { headers: { 'x-user': user } })
    return ((await res.json()) as { side: string }).side
  }

  async function servedByNew(gw: Gateway): Promise<Set<string>> {
    const out = new Set<string>()
    for (const u of USERS) if ((await sideFor(gw, u)) === 'new') out.add(u)
    return out
  }

  function copiesTo(server: TestServer, user: string): number {
    return server.received.filter((r) => r.headers['x-user'] === user && r.headers[MIRROR_MARKER_HEADER] !== undefined).length
  }

  async function both(a: Gateway, b: Gateway, check: (gw: Gateway) => boolean, what: string): Promise<void> {
    await waitFor(() => check(a) && check(b), 5_000, what)
  }

  it('moves passthrough -> shadow -> canary -> final and rolls back exactly, on both instances', async () => {
    const prefix = `mig${++prefixN}`
    const a = await start(config(prefix))
    const b = await start(config(prefix))
    queue = readerQueue(redis.url, prefix)

    // passthrough: the old side serves, nothing is copied.
    expect(await sideFor(b, 'user-1')).toBe('old')
    expect(b.service.metrics.snapshot()['items']?.notMirrored['not_sampled']).toBe(1)
    expect(newSide.received).toHaveLength(0)

    // shadow: the old side serves, every read (mirror 100) is copied to the new side.
    const toShadow = await admin(a, 'PUT', '/routes/items/stage', { stage: 'shadow', reason: 'start comparing' })
    expect(toShadow.status).toBe(200)
    expect(toShadow.body['change']).toMatchObject({ action: 'stage', from: { stage: 'passthrough' }, to: { stage: 'shadow', mirror: 100 } })
    await both(a, b, (gw) => gw.service.settings.stage('items') === 'shadow', 'both instances in shadow')
    expect(await sideFor(b, 'user-2')).toBe('old')
    await waitFor(() => copiesTo(newSide, 'user-2') === 1, 5_000, 'the copy to the new side')
    expect(newSide.received.find((r) => r.headers['x-user'] === 'user-2')?.headers['x-env']).toBe('test')

    // canary at 10 %: the same users are served by the new side on both instances.
    expect((await admin(b, 'PUT', '/routes/items/stage', { stage: 'canary', serve: 10, mirror: 0, reason: 'first users' })).status).toBe(200)
    await both(a, b, (gw) => gw.service.settings.stage('items') === 'canary', 'both instances in canary')
    const canaryA = await servedByNew(a)
    const canaryB = await servedByNew(b)
    expect([...canaryB].sort()).toEqual([...canaryA].sort())
    expect(canaryA.size).toBeGreaterThan(2)
    expect(canaryA.size).toBeLessThan(36)
    // For those, the old side is the shadow: it receives their copies (one per instance).
    const picked = [...canaryA][0] ?? ''
    await waitFor(() => copiesTo(oldSide, picked) === 2, 5_000, 'copies of canary reads to the old side')
    for (const u of USERS.filter((x) => !canaryA.has(x)).slice(0, 5)) expect(copiesTo(oldSide, u)).toBe(0)
    // The route's copy rewrites are for the new side: the old side gets the client's headers.
    expect(oldSide.received.find((r) => r.headers['x-user'] === picked)?.headers['x-env']).toBeUndefined()
    // The audit pair is old vs new whichever side served.
    await waitFor(async () => (await queuedPairs(queue as Queue)).some((j) => j.served === 'new'), 5_000, 'a served=new pair on the queue')
    const pair = (await queuedPairs(queue)).find((j) => j.served === 'new')
    expect(JSON.parse(bodyText(pair?.primary as AuditJob['primary']))).toMatchObject({ side: 'old' })
    expect(JSON.parse(bodyText(pair?.shadow as AuditJob['shadow']))).toMatchObject({ side: 'new' })

    // Raising the percent only adds users.
    await admin(a, 'PUT', '/routes/items/stage', { stage: 'canary', serve: 30, reason: 'more users' })
    await both(a, b, (gw) => gw.service.settings.servePercent('items') === 30, 'serve 30 on both')
    const canary30 = await servedByNew(b)
    for (const u of canaryA) expect(canary30.has(u)).toBe(true)
    expect(canary30.size).toBeGreaterThan(canaryA.size)

    // final: the new side serves every read, 10 % (default) is copied to the old side; writes stay old.
    const toFinal = await admin(b, 'PUT', '/routes/items/stage', { stage: 'final', expected: 'canary', reason: 'audit clean' })
    expect(toFinal.body['change']).toMatchObject({ from: { stage: 'canary', serve: 30, mirror: 0 }, to: { stage: 'final', mirror: 10 } })
    await both(a, b, (gw) => gw.service.settings.stage('items') === 'final', 'both instances in final')
    oldSide.received.length = 0
    expect((await servedByNew(a)).size).toBe(USERS.length)
    const copied = oldSide.received.filter((r) => r.headers[MIRROR_MARKER_HEADER] !== undefined).length
    expect(copied).toBeGreaterThan(0)
    expect(copied).toBeLessThan(USERS.length / 3)
    const write = await fetch(`${a.traffic}/items/1`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    expect(((await write.json()) as { side: string }).side).toBe('old')

    // rollback: canary 30 with mirror 0, exactly as before, on both instances and for the same users.
    const back = await admin(a, 'POST', '/routes/items/stage/rollback', { reason: 'new side slow' })
    expect(back.status).toBe(200)
    expect(back.body['change']).toMatchObject({ action: 'rollback', from: { stage: 'final' }, to: { stage: 'canary', serve: 30, mirror: 0 } })
    await both(a, b, (gw) => gw.service.settings.stage('items') === 'canary', 'both instances back in canary')
    expect(b.service.settings.view('items').stage).toEqual({ stage: 'canary', serve: 30, mirror: 0 })
    expect([...(await servedByNew(b))].sort()).toEqual([...canary30].sort())
    const status = await admin(b, 'GET', '/routes/items/stage')
    expect(status.body['route']).toMatchObject({ stage: 'canary', servePercent: 30, mirrorPercent: 0, writes: 'old', rollbackTo: { stage: 'canary', serve: 10, mirror: 0 } })
    const log = status.body['log'] as { action: string; to: { stage: string }; reason: string; by: string }[]
    expect(log.map((e) => `${e.action}:${e.to.stage}`)).toEqual(['rollback:canary', 'stage:final', 'stage:canary', 'stage:canary', 'stage:shadow'])
    expect(log[0]).toMatchObject({ reason: 'new side slow' })
    expect(await raw.llen(migrationLogKey(prefix))).toBe(5)
  })

  it('starts a late instance in the stage the fleet is in', async () => {
    const prefix = `mig${++prefixN}`
    const a = await start(config(prefix))
    await admin(a, 'PUT', '/routes/items/stage', { stage: 'final', reason: 'cut over' })
    const late = await start(config(prefix))
    expect(late.service.settings.stage('items')).toBe('final')
    expect(await sideFor(late, 'user-3')).toBe('new')
  })

  it('refuses bad moves with stable codes and changes nothing', async () => {
    const prefix = `mig${++prefixN}`
    const a = await start(config(prefix, 'shadow'))
    const before = await raw.hget(runtimeSettingsKey(prefix), 'items')
    const cases: [string, string, unknown, number, string][] = [
      ['PUT', '/routes/items/stage', { stage: 'blue', reason: 'x' }, 400, 'SG_UNKNOWN_STAGE'],
      ['PUT', '/routes/items/stage', { stage: 'canary', serve: 101, reason: 'x' }, 400, 'SG_INVALID_SERVE_PERCENT'],
      ['PUT', '/routes/items/stage', { stage: 'canary', serve: -1, reason: 'x' }, 400, 'SG_INVALID_SERVE_PERCENT'],
      ['PUT', '/routes/items/stage', { stage: 'canary', serve: '10', reason: 'x' }, 400, 'SG_INVALID_SERVE_PERCENT'],
      ['PUT', '/routes/items/stage', { stage: 'canary', serve: 10 }, 400, 'SG_INVALID_SETTING'],
      ['PUT', '/routes/items/stage', { stage: 'canary', serve: 10, reason: 'x', color: 1 }, 400, 'SG_INVALID_SETTING'],
      ['PUT', '/routes/items/stage', { stage: 'final', expected: 'canary', reason: 'x' }, 409, 'SG_STAGE_CONFLICT'],
      ['PUT', '/routes/nope/stage', { stage: 'final', reason: 'x' }, 404, 'SG_UNKNOWN_ROUTE'],
      ['POST', '/routes/items/stage/rollback', { reason: 'x' }, 409, 'SG_NO_STAGE_HISTORY'],
      ['POST', '/routes/items/stage/rollback', {}, 400, 'SG_INVALID_SETTING'],
    ]
    for (const [method, path, body, status, code] of cases) {
      const res = await admin(a, method, path, body)
      expect([path, JSON.stringify(body), res.status, (res.body['error'] as { code: string }).code]).toEqual([path, JSON.stringify(body), status, code])
    }
    expect(await raw.hget(runtimeSettingsKey(prefix), 'items')).toBe(before)
    expect(await raw.llen(migrationLogKey(prefix))).toBe(0)
    expect(a.service.settings.stage('items')).toBe('shadow')
  })

  it('without Redis: serves the config file stage and refuses stage changes', async () => {
    const gw = await start(config(undefined, 'final'))
    expect(await sideFor(gw, 'user-4')).toBe('new')
    const res = await admin(gw, 'PUT', '/routes/items/stage', { stage: 'shadow', reason: 'try' })
    expect(res.status).toBe(409)
    expect(res.body['error']).toMatchObject({ code: 'SG_STAGE_NEEDS_REDIS' })
    expect((await admin(gw, 'POST', '/routes/items/stage/rollback', { reason: 'try' })).body['error']).toMatchObject({ code: 'SG_STAGE_NEEDS_REDIS' })
    expect(gw.service.settings.stage('items')).toBe('final')
    expect(await sideFor(gw, 'user-4')).toBe('new')
  })
})
