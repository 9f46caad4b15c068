import { Redis } from 'ioredis'
import { parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, waitFor, type TestRedis } from '@shadowgate/dev-helpers'
import { createGatewayService, type GatewayService, type GatewayServiceOptions } from '../../../gateway/src/server/gateway-service.js'
import { cutoverKeys } from '../../../gateway/src/cutover/cutover-messages.js'
import { memoryLogger } from '../runtime/runtime-test-config.js'
import { burst, startLoad, startSide, type LoadResult, type SideServer } from './cutover-fixtures.js'

const TOKEN = 'cutover-admin-token'
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
// Generous for a loaded machine: an instance slower than ackTimeout to acknowledge aborts the cut-over.
const MAX_PAUSE_MS = 2_000
const ACK_TIMEOUT_MS = 1_000
const HEARTBEAT_MS = 200

interface Gateway {
  readonly service: GatewayService
  readonly traffic: string
  readonly admin: string
  readonly lines: Record<string, unknown>[]
}

interface OutcomeJson {
  readonly outcome: string
  readonly abortReason: string | null
  readonly epoch: number
  readonly held: number
  readonly pauseMaxMs: number
  readonly committedAtMs: number | null
  readonly instances: string[]
  readonly acknowledged: string[]
}

function failures(results: readonly LoadResult[]): LoadResult[] {
  return results.filter((r) => r.status !== 200)
}

describe('cut-over on two gateways sharing a real Redis', () => {
  let oldSide: SideServer
  let newSide: SideServer
  let redis: TestRedis
  let raw: Redis
  const services: GatewayService[] = []
  let prefixN = 0
  let instanceN = 0

  beforeAll(async () => {
    oldSide = await startSide('old')
    newSide = await startSide('new')
    redis = await startRedis()
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true })
    raw.on('error', () => undefined)
    await raw.connect()
  })
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close()
    oldSide.arrivals.length = 0
    newSide.arrivals.length = 0
  })
  afterAll(async () => {
    raw?.disconnect()
    await oldSide?.server.close()
    await newSide?.server.close()
    await redis?.close()
  })

  function config(prefix: string | undefined, minTimeBetweenFlips = '0ms', maxHeldRequests = 1_000): ShadowgateConfig {
    return parseConfig(`
primary: ${oldSide.server.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
${prefix === undefined ? '' : `redis: { url: "${redis.url}", prefix: ${prefix} }`}
audit: { enabled: false }
cutover: { ackTimeout: ${ACK_TIMEOUT_MS}ms, maxPause: ${MAX_PAUSE_MS}ms, minTimeBetweenFlips: ${minTimeBetweenFlips}, maxHeldRequests: ${maxHeldRequests} }
routes:
  - name: items
    match: /items/*
    old: ${oldSide.server.url}
    new: ${newSide.server.url}
    stage: shadow
    mirror: { percent: 0 }
  - name: legacy
    match: /legacy/*
    old: ${oldSide.server.url}
    new: ${newSide.server.url}
    stage: passthrough
`)
  }

  async function start(cfg: ShadowgateConfig, opts: Partial<GatewayServiceOptions> = {}): Promise<Gateway> {
    const { logger, lines } = memoryLogger()
    const service = await createGatewayService(cfg, { logger, instanceId: `gw-${++instanceN}`, runtimePollMs: 60_000, cutoverHeartbeatMs: HEARTBEAT_MS, ...opts })
    services.push(service)
    const addr = await service.listen()
    return { service, traffic: addr.traffic, admin: addr.admin ?? '', lines }
  }

  /** Two gateways on one prefix, both registered and subscribed. */
  async function fleet(prefix: string, opts: Partial<GatewayServiceOptions> = {}, minTimeBetweenFlips?: string, maxHeldRequests?: number): Promise<[Gateway, Gateway]> {
    const a = await start(config(prefix, minTimeBetweenFlips, maxHeldRequests), opts)
    const b = await start(config(prefix, minTimeBetweenFlips, maxHeldRequests))
    await waitFor(async () => (await raw.zcard(cutoverKeys(prefix).instances)) === 2 && !!a.service.cutoverParticipant?.subscribed() && !!b.service.cutoverParticipant?.subscribed(), 5_000, 'both gateways registered')
    return [a, b]
  }

  async function cutover(gw: Gateway, body: Record<string, unknown>, route = 'items'): Promise<{ status: number; body: { cutover?: OutcomeJson; error?: { code: string; message: string } } }> {
    const res = await fetch(`${gw.admin}/routes/${route}/cutover`, { method: 'POST', headers: auth, body: JSON.stringify(body) })
    return { status: res.status, body: (await res.json()) as { cutover?: OutcomeJson; error?: { code: string; message: string } } }
  }

  it('flips shadow -> final -> shadow under steady load: no failure, no request on the wrong side of the commit', async () => {
    const [a, b] = await fleet(`co${++prefixN}`)
    for (const to of ['final', 'shadow'] as const) {
      oldSide.arrivals.length = 0
      newSide.arrivals.length = 0
      const load = startLoad([a.traffic, b.traffic], '/items', 3)
      await new Promise((resolve) => setTimeout(resolve, 250))
      const res = await cutover(a, { to, reason: 'rehearsal' })
      await new Promise((resolve) => setTimeout(resolve, 250))
      const results = await load.stop()
      expect(res.status).toBe(200)
      const o = res.body.cutover as OutcomeJson
      expect([o.outcome, o.abortReason, o.acknowledged.length]).toEqual(['committed', null, 2])
      expect(failures(results)).toEqual([])
      const commit = o.committedAtMs as number
      // The side that serves after the commit is `to`; before it, the other one.
      const [before, after] = to === 'final' ? [oldSide, newSide] : [newSide, oldSide]
      expect(before.arrivals.filter((t) => t > commit)).toEqual([])
      expect(after.arrivals.filter((t) => t < commit)).toEqual([])
      expect(after.arrivals.length).toBeGreaterThan(0)
      expect(o.held).toBeGreaterThan(0)
      expect(o.pauseMaxMs).toBeLessThan(MAX_PAUSE_MS)
      expect(a.service.settings.stage('items')).toBe(to)
      expect(b.service.settings.stage('items')).toBe(to)
    }
  })

  it('releases to the old side at maxPause when Redis goes away between PREPARE and COMMIT', async () => {
    let held: Promise<LoadResult[]> | undefined
    const [a, b] = await fleet(`co${++prefixN}`, {
      // Runs after every instance acknowledged: requests are held on both, then Redis stops.
      cutoverPrecondition: async () => {
        held = burst([gwA().traffic, gwB().traffic], '/items', 10)
        await waitFor(() => (gwA().service.cutoverParticipant?.hold.heldCount('items') ?? 0) + (gwB().service.cutoverParticipant?.hold.heldCount('items') ?? 0) === 10, 2_000, 'ten requests held')
        await redis.stop()
        return true
      },
    })
    const gwA = (): Gateway => a
    const gwB = (): Gateway => b
    try {
      const res = await cutover(a, { to: 'final', reason: 'redis goes away' })
      const o = res.body.cutover as OutcomeJson
      expect([res.status, o.outcome]).toEqual([200, 'aborted'])
      const results = await (held as Promise<LoadResult[]>)
      expect(failures(results)).toEqual([])
      expect(results.map((r) => r.side)).toEqual(Array(10).fill('old'))
      // Released by each instance's own maxPause timer, not earlier.
      expect(Math.max(...results.map((r) => r.ms))).toBeGreaterThanOrEqual(MAX_PAUSE_MS - ACK_TIMEOUT_MS)
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(MAX_PAUSE_MS + 1_000)
      for (const gw of [a, b]) {
        expect(gw.lines.some((l) => l['msg'] === 'cut-over: released held requests' && l['cause'] === 'timeout' && l['releasedTo'] === 'old')).toBe(true)
        expect(gw.service.settings.stage('items')).toBe('shadow')
      }
    } finally {
      await redis.start()
    }
  })

  it('aborts when a registered instance never acknowledges, releasing to the old side', async () => {
    const prefix = `co${++prefixN}`
    const [a, b] = await fleet(prefix)
    // An instance id with a fresh heartbeat and no gateway behind it.
    await raw.zadd(cutoverKeys(prefix).instances, Date.now() + 10_000, 'ghost-1')
    const load = startLoad([a.traffic, b.traffic], '/items', 5)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const res = await cutover(b, { reason: 'one gateway is silent' })
    const results = await load.stop()
    const o = res.body.cutover as OutcomeJson
    expect([res.status, o.outcome, o.acknowledged.length, o.instances.length]).toEqual([200, 'aborted', 2, 3])
    expect(o.abortReason).toContain('ghost-1')
    expect(failures(results)).toEqual([])
    expect(newSide.arrivals).toEqual([])
    expect(o.held).toBeGreaterThan(0)
    expect(o.pauseMaxMs).toBeLessThan(MAX_PAUSE_MS)
    expect([a.service.settings.stage('items'), b.service.settings.stage('items')]).toEqual(['shadow', 'shadow'])
  })

  it('refuses a cut-over while one runs, too soon after a flip, from passthrough and without Redis, changing nothing', async () => {
    const prefix = `co${++prefixN}`
    const [a, b] = await fleet(prefix, {}, '60s')
    await raw.zadd(cutoverKeys(prefix).instances, Date.now() + 10_000, 'ghost-2')
    const running = cutover(a, { reason: 'first' })
    await waitFor(async () => (await raw.exists(cutoverKeys(prefix).lock('items'))) === 1, 2_000, 'the first cut-over to run')
    const second = await cutover(b, { reason: 'second' })
    expect([second.status, second.body.error?.code]).toEqual([409, 'SG_CUTOVER_IN_PROGRESS'])
    expect((await running).body.cutover?.outcome).toBe('aborted')

    await raw.zrem(cutoverKeys(prefix).instances, 'ghost-2')
    const flip = await cutover(a, { reason: 'flip' })
    expect(flip.body.cutover?.outcome).toBe('committed')
    const soon = await cutover(b, { to: 'shadow', reason: 'back at once' })
    expect([soon.status, soon.body.error?.code]).toEqual([429, 'SG_CUTOVER_TOO_SOON'])
    expect(soon.body.error?.message).toMatch(/try again in \d+ s/)

    const passthrough = await cutover(a, { reason: 'x' }, 'legacy')
    expect([passthrough.status, passthrough.body.error?.code]).toEqual([409, 'SG_CUTOVER_PASSTHROUGH'])
    const already = await cutover(a, { to: 'final', reason: 'x' })
    expect([already.status, already.body.error?.code]).toEqual([409, 'SG_CUTOVER_STAGE'])
    const badTo = await cutover(a, { to: 'canary', reason: 'x' })
    expect([badTo.status, badTo.body.error?.code]).toEqual([400, 'SG_INVALID_SETTING'])
    const noReason = await cutover(a, { to: 'shadow' })
    expect([noReason.status, noReason.body.error?.code]).toEqual([400, 'SG_INVALID_SETTING'])
    for (const gw of [a, b]) expect([gw.service.settings.stage('items'), gw.service.settings.stage('legacy')]).toEqual(['final', 'passthrough'])

    const alone = await start(config(undefined))
    const noRedis = await cutover(alone, { reason: 'x' })
    expect([noRedis.status, noRedis.body.error?.code]).toEqual([409, 'SG_STAGE_NEEDS_REDIS'])
    expect(alone.service.settings.stage('items')).toBe('shadow')
  })

  it('ignores invalid and stale messages on the channel; a hold ends on its own ABORT only', async () => {
    const prefix = `co${++prefixN}`
    const [a, b] = await fleet(prefix)
    const keys = cutoverKeys(prefix)
    for (const text of ['{', '[]', '{"type":"commit","route":"items","epoch":-1}', '{"type":"prepare","route":"items","epoch":2,"from":"shadow","to":"blue"}']) await raw.publish(keys.channel, text)
    await raw.publish(keys.channel, JSON.stringify({ type: 'prepare', route: 'nope', epoch: 1, from: 'shadow', to: 'final' }))
    await waitFor(async () => Object.keys(await raw.hgetall(keys.acks('nope', 1))).length === 2, 2_000, 'both to refuse an unknown route')
    expect(Object.values(await raw.hgetall(keys.acks('nope', 1))).map((t) => JSON.parse(t) as unknown)).toEqual([
      { ok: false, reason: 'no route "nope" on this instance' },
      { ok: false, reason: 'no route "nope" on this instance' },
    ])
    await raw.publish(keys.channel, JSON.stringify({ type: 'prepare', route: 'items', epoch: 5, from: 'shadow', to: 'final' }))
    await waitFor(() => a.service.cutoverParticipant?.hold.epochOf('items') === 5 && b.service.cutoverParticipant?.hold.epochOf('items') === 5, 2_000, 'both holding epoch 5')
    const held = burst([a.traffic, b.traffic], '/items', 4)
    await waitFor(() => (a.service.cutoverParticipant?.hold.heldCount('items') ?? 0) + (b.service.cutoverParticipant?.hold.heldCount('items') ?? 0) === 4, 2_000, 'four held')
    // Older epochs are fenced off: neither releases the hold of epoch 5.
    await raw.publish(keys.channel, JSON.stringify({ type: 'abort', route: 'items', epoch: 4 }))
    await raw.publish(keys.channel, JSON.stringify({ type: 'commit', route: 'items', epoch: 4 }))
    await raw.publish(keys.channel, JSON.stringify({ type: 'abort', route: 'items', epoch: 5 }))
    const results = await held
    expect(results.map((r) => [r.status, r.side])).toEqual(Array(4).fill([200, 'old']))
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(MAX_PAUSE_MS)
    expect(a.lines.filter((l) => l['msg'] === 'ignoring an invalid cut-over message')).toHaveLength(4)
    expect([a.service.settings.stage('items'), b.service.settings.stage('items'), a.service.cutoverParticipant?.hold.holding()]).toEqual(['shadow', 'shadow', false])
  })
  it('aborts when a gateway holds more than cutover.maxHeldRequests, releasing to the old side', async () => {
    const prefix = `co${++prefixN}`
    const [a, b] = await fleet(prefix, {}, undefined, 3)
    // A silent instance keeps the cut-over waiting, so the held requests pile up on gateway a.
    await raw.zadd(cutoverKeys(prefix).instances, Date.now() + 10_000, 'ghost-3')
    const running = cutover(b, { reason: 'too many held' })
    await waitFor(() => a.service.cutoverParticipant?.hold.epochOf('items') !== undefined, 2_000, 'gateway a to hold')
    const results = await burst([a.traffic], '/items', 6)
    const o = (await running).body.cutover as OutcomeJson
    expect([o.outcome, o.abortReason]).toEqual(['aborted', `instance gw-${instanceN - 1} refused: held requests past cutover.maxHeldRequests or cutover.maxHeldBytes`])
    expect(results.map((r) => [r.status, r.side])).toEqual(Array(6).fill([200, 'old']))
    expect(a.lines.some((l) => l['msg'] === 'cut-over: released held requests' && l['cause'] === 'overflow')).toBe(true)
    expect([a.service.settings.stage('items'), b.service.settings.stage('items')]).toEqual(['shadow', 'shadow'])
  })
})
