import type { IncomingMessage, ServerResponse } from 'node:http'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, startServer, waitFor, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { cutoverRequestOutcomeKey, gateFiguresKey, gateWindowStart, parseConfig, parseCutoverRequestOutcome, type ShadowgateConfig } from '@shadowgate/shared'
import { createAuditService, type AuditService } from '../../audit-service/src/worker/audit-service.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { MIRROR_MARKER_HEADER } from '../../gateway/src/mirror/mirror-marker.js'

const PREFIX = 'walk'
const TOKEN = 'full-walk-admin-token'
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
const USERS = Array.from({ length: 120 }, (_, i) => `user-${i}`)
const SERVED_BY = 'x-served-by'
const WAIT_MS = 15_000

interface Gateway {
  readonly service: GatewayService
  readonly traffic: string
  readonly admin: string
}

/** Both sides answer `items` alike (a clean audit) and say in a header which side served; `probe` answers differ. */
function upstream(side: 'old' | 'new') {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('content-type', 'application/json')
    res.setHeader(SERVED_BY, side)
    const url = req.url ?? ''
    res.end(JSON.stringify(url.startsWith('/probe/') ? { answer: side } : { item: url, user: req.headers['x-user'] ?? null }))
  }
}

function served(server: TestServer): number {
  return server.received.filter((r) => r.headers[MIRROR_MARKER_HEADER] === undefined).length
}

function copies(server: TestServer): number {
  return server.received.filter((r) => r.headers[MIRROR_MARKER_HEADER] !== undefined).length
}

describe('a route walked from passthrough to final by the gate, on two gateways and an audit worker sharing a real Redis', () => {
  let redis: TestRedis
  let raw: Redis
  let oldSide: TestServer
  let newSide: TestServer
  let hook: TestServer
  let worker: AuditService | undefined
  const gateways: Gateway[] = []

  beforeAll(async () => {
    ;[redis, oldSide, newSide, hook] = await Promise.all([startRedis(), startServer(upstream('old')), startServer(upstream('new')), startServer((_req, res) => void res.end('ok'))])
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1 })
    raw.on('error', () => undefined)
  })
  afterAll(async () => {
    for (const g of gateways.splice(0)) await g.service.close()
    await worker?.close()
    raw?.disconnect()
    await Promise.all([oldSide?.close(), newSide?.close(), hook?.close()])
    await redis?.close()
  })

  function config(): ShadowgateConfig {
    // Generous bounds for a loaded machine: a slow acknowledgement aborts a cut-over, a slow new side fails a window.
    return parseConfig(`
primary: ${oldSide.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
redis: { url: "${redis.url}", prefix: ${PREFIX} }
cutover: { ackTimeout: 2s, maxPause: 4s, minTimeBetweenFlips: 60s }
worker: { concurrency: 8 }
routes:
  - name: items
    match: /items/*
    old: ${oldSide.url}
    new: ${newSide.url}
    stage: passthrough
    mirror: { percent: 100, sticky: "header:x-user" }
    gate: { interval: 1s, minComparisons: 10, stepMinComparisons: 20, stepMinDuration: 1s, steps: [10, 50], autoPromote: true, latencySlack: 5s, failureLimit: 5, webhook: "${hook.url}/gate" }
  - name: probe
    match: /probe/*
    old: ${oldSide.url}
    new: ${newSide.url}
    stage: canary
    serve: { percent: 100 }
`)
  }

  async function startGateway(cfg: ShadowgateConfig, id: string): Promise<Gateway> {
    const service = await createGatewayService(cfg, { logger: pino({ level: 'silent' }), instanceId: id, runtimePollMs: 60_000, drainTimeoutMs: 2_000, cutoverHeartbeatMs: 200, cutoverRequestPollMs: 50 })
    const addr = await service.listen()
    const gw = { service, traffic: addr.traffic, admin: addr.admin ?? '' }
    gateways.push(gw)
    return gw
  }

  async function admin(gw: Gateway, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw.admin}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  async function sideFor(gw: Gateway, user: string, path = `/items/${user}`): Promise<string> {
    const res = await fetch(`${gw.traffic}${path}`, { headers: { 'x-user': user }, signal: AbortSignal.timeout(10_000) })
    await res.arrayBuffer()
    return res.headers.get(SERVED_BY) ?? `status ${res.status}`
  }

  async function servedByNew(gw: Gateway): Promise<string[]> {
    const out: string[] = []
    for (const u of USERS) if ((await sideFor(gw, u)) === 'new') out.push(u)
    return out
  }

  async function onBoth(check: (gw: Gateway) => boolean, what: string): Promise<void> {
    await waitFor(() => gateways.every(check), WAIT_MS, what)
  }

  /** Requests from every user, alternating between the gateways, until stop(); every answer must be a 200. */
  function steadyLoad(): { stop(): Promise<number[]> } {
    let stopped = false
    const statuses: number[] = []
    const run = (async () => {
      for (let i = 0; !stopped; i++) {
        const gw = gateways[i % gateways.length] as Gateway
        const user = USERS[(i * 7) % USERS.length] ?? ''
        const res = await fetch(`${gw.traffic}/items/${user}`, { headers: { 'x-user': user }, signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
        statuses.push(res?.status ?? 0)
        await res?.arrayBuffer()
        // A steady trickle, so the worker keeps up and each window is judged on its own pairs.
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    return {
      async stop() {
        stopped = true
        await run
        return statuses
      },
    }
  }

  async function mismatchSamples(): Promise<Record<string, unknown>[]> {
    const keys = await raw.keys(`${PREFIX}:mismatch:samples:*`)
    const lists = await Promise.all(keys.map((k) => raw.lrange(k, 0, -1)))
    return lists.flat().map((t) => JSON.parse(t) as Record<string, unknown>)
  }

  it('passthrough -> shadow -> canary 10 % -> the gate steps up and cuts over through Redis -> final -> rollback', { timeout: 60_000 }, async () => {
    const cfg = config()
    const a = await startGateway(cfg, 'gw-a')
    const b = await startGateway(cfg, 'gw-b')
    await waitFor(() => gateways.every((g) => g.service.settings.storeState() === 'connected' && g.service.cutoverParticipant?.client() !== undefined), WAIT_MS, 'both gateways on Redis')

    // passthrough: the old side serves, nothing is copied.
    expect(await sideFor(a, 'user-1')).toBe('old')
    expect(await sideFor(b, 'user-1')).toBe('old')
    expect(newSide.received).toHaveLength(0)

    // shadow: the old side serves, the new side gets the copies.
    expect((await admin(a, 'PUT', '/routes/items/stage', { stage: 'shadow', reason: 'start comparing' })).status).toBe(200)
    await onBoth((gw) => gw.service.settings.stage('items') === 'shadow', 'both instances in shadow')
    expect(await sideFor(b, 'user-2')).toBe('old')
    await waitFor(() => copies(newSide) >= 1, WAIT_MS, 'a copy on the new side')
    expect(served(newSide)).toBe(0)

    // canary 10 %: the same sticky users are served by the new side on both instances; the old side gets their copies.
    expect((await admin(b, 'PUT', '/routes/items/stage', { stage: 'canary', serve: 10, mirror: 100, reason: 'first users' })).status).toBe(200)
    await onBoth((gw) => gw.service.settings.stage('items') === 'canary', 'both instances in canary')
    const oldCopiesBefore = copies(oldSide)
    const canaryA = await servedByNew(a)
    const canaryB = await servedByNew(b)
    expect(canaryB).toEqual(canaryA)
    expect(canaryA.length).toBeGreaterThan(2)
    expect(canaryA.length).toBeLessThan(36)
    await waitFor(() => copies(oldSide) - oldCopiesBefore >= 2 * canaryA.length, WAIT_MS, 'the old side audited as the shadow of the canary users')
    // The audit worker (and its gate) starts now, so the gate steps up only after the users were sampled above;
    // the pairs queued so far wait for it.
    worker = createAuditService(cfg, { logger: pino({ level: 'silent' }), gate: { id: 'worker-1', tickMs: 100, settleMs: 1_500, cutoverTakeTimeoutMs: 10_000 } })
    await worker.start()
    // The diff is old vs new whichever side served: the probe route (new side serving everyone) differs on purpose.
    expect(await sideFor(a, 'user-3', '/probe/1')).toBe('new')
    await waitFor(async () => (await mismatchSamples()).some((s) => s['path'] === '/probe/1'), WAIT_MS, 'the probe mismatch recorded by the worker')
    const probe = (await mismatchSamples()).find((s) => s['path'] === '/probe/1')
    expect(probe).toMatchObject({ served: 'new', differences: [expect.objectContaining({ path: '$.answer', primary: 'old', shadow: 'new' })] })

    // The gate judges clean windows, steps 10 -> 50, then its autoPromote asks the gateways for the cut-over.
    const load = steadyLoad()
    let statuses: number[]
    try {
      await waitFor(() => gateways.every((gw) => gw.service.settings.stage('items') === 'final'), 45_000, 'the gate to step up and cut the route over to final')
    } finally {
      statuses = await load.stop()
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    const status = await admin(a, 'GET', '/routes/items/stage')
    const log = status.body['log'] as { action: string; to: { stage: string; serve?: number }; by: string }[]
    expect(log.map((e) => `${e.action}:${e.to.stage}:${e.by}`)).toEqual(['stage:final:gate:worker-1', 'stage:canary:gate:worker-1', 'stage:canary:admin@127.0.0.1', 'stage:shadow:admin@127.0.0.1'])
    expect(log[1]?.to.serve).toBe(50)
    // The cut-over ran through the request queue on one gateway and committed; the gate recorded it as acted.
    // The stage moves at the commit; the outcome is written once the instances reported their holds.
    await waitFor(async () => (await raw.keys(`${PREFIX}:cutover:request:*:outcome`)).length > 0, WAIT_MS, 'the cut-over outcome written back')
    const outcomeKeys = await raw.keys(`${PREFIX}:cutover:request:*:outcome`)
    expect(outcomeKeys).toHaveLength(1)
    const id = (outcomeKeys[0] ?? '').slice(`${PREFIX}:cutover:request:`.length, -':outcome'.length)
    const outcome = parseCutoverRequestOutcome(await raw.get(cutoverRequestOutcomeKey(PREFIX, id)), id)
    expect(outcome).toMatchObject({ route: 'items', outcome: 'committed' })
    expect(['gw-a', 'gw-b']).toContain(outcome?.instance)
    await waitFor(() => hook.received.some((r) => (JSON.parse(r.body.toString()) as { action: string }).action === 'promote'), WAIT_MS, 'the promote webhook')
    const actions = hook.received.map((r) => JSON.parse(r.body.toString()) as { action: string; acted: boolean; reason: string })
    expect(actions.map((x) => `${x.action}:${x.acted}`)).toEqual(['step:true', 'promote:true'])
    expect(actions[1]?.reason).toContain(`cut-over committed by gateway ${outcome?.instance}`)

    // final: the new side serves everyone, the old side is still audited (copies judged after the commit).
    const committedAt = outcome?.at ?? 0
    // Requests from here on are captured in gate windows that start after the commit.
    const firstAfter = gateWindowStart(committedAt, 1_000) + 1_000
    await waitFor(() => Date.now() >= firstAfter, WAIT_MS, 'the gate window of the commit to end')
    const oldServedBefore = served(oldSide)
    expect(await servedByNew(a)).toEqual(USERS)
    expect(served(oldSide)).toBe(oldServedBefore)
    const judgedAfter = async (): Promise<number> => {
      const starts = Array.from({ length: 30 }, (_, k) => firstAfter + k * 1_000)
      const judged = await Promise.all(starts.map((s) => raw.hget(gateFiguresKey(PREFIX, 'items', s), 'judged')))
      return judged.reduce((sum, v) => sum + Number(v ?? 0), 0)
    }
    await waitFor(async () => (await judgedAfter()) > 0, WAIT_MS, 'pairs of the final stage judged (the old side audited)')

    // rollback: the stage before the cut-over, exactly, on both instances.
    const back = await admin(b, 'POST', '/routes/items/stage/rollback', { reason: 'new side slow' })
    expect(back.status).toBe(200)
    expect(back.body['change']).toMatchObject({ action: 'rollback', from: { stage: 'final' }, to: { stage: 'canary', serve: 50, mirror: 100 } })
    await onBoth((gw) => gw.service.settings.stage('items') === 'canary', 'both instances back in canary')
    for (const gw of gateways) expect(gw.service.settings.view('items').stage).toEqual({ stage: 'canary', serve: 50, mirror: 100 })
    const backA = await servedByNew(a)
    expect(await servedByNew(b)).toEqual(backA)
    for (const u of canaryA) expect(backA).toContain(u)
    expect(backA.length).toBeGreaterThan(canaryA.length)
    expect(backA.length).toBeLessThan(USERS.length)
  })
})
