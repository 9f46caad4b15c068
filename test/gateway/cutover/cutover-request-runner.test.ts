import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, waitFor, type TestRedis } from '@shadowgate/dev-helpers'
import { CUTOVER_REQUEST_GIVEN_UP, cutoverRequestClaimKey, cutoverRequestOutcomeKey, cutoverRequestQueueKey, parseCutoverRequestOutcome } from '@shadowgate/shared'
import { CutoverRequestRunner, type CutoverRunner } from '../../../gateway/src/cutover/cutover-request-runner.js'
import type { CutoverOutcome } from '../../../gateway/src/cutover/cutover-outcome.js'
import type { CutoverRequest } from '../../../gateway/src/cutover/cutover-coordinator.js'
import { CutoverTooSoonError } from '../../../gateway/src/errors.js'
import { GateCutoverRequester } from '../../../audit-service/src/gate/gate-cutover-request.js'

const PREFIX = 'sgreq'

function outcome(route: string, req: CutoverRequest, committed: boolean): CutoverOutcome {
  const now = Date.now()
  return {
    route,
    epoch: 7,
    outcome: committed ? 'committed' : 'aborted',
    abortReason: committed ? undefined : 'instance g2 refused: overflow',
    from: 'canary',
    to: 'final',
    instances: ['g1'],
    acknowledged: ['g1'],
    reported: 1,
    held: 0,
    pauseP50Ms: 0,
    pauseP99Ms: 0,
    pauseMaxMs: 0,
    preparedAt: now,
    committedAt: committed ? now : undefined,
    decidedAt: now,
    reason: String(req.reason),
    by: req.by ?? 'admin',
  }
}

/** A coordinator that answers as told and records what it was asked to run. */
class RecordingCoordinator implements CutoverRunner {
  readonly runs: { route: string; req: CutoverRequest }[] = []
  constructor(readonly answer: (route: string, req: CutoverRequest) => Promise<CutoverOutcome>) {}
  run(route: string, req: CutoverRequest): Promise<CutoverOutcome> {
    this.runs.push({ route, req })
    return this.answer(route, req)
  }
}

describe('cut-overs asked through Redis (real Redis: the gate asks, gateway runners take)', () => {
  let server: TestRedis
  let redis: Redis
  const closers: (() => Promise<void> | void)[] = []

  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 })
  })
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c()
    await redis.flushall()
  })
  afterAll(async () => {
    redis.disconnect()
    await server.close()
  })

  function runner(id: string, coordinator: CutoverRunner): CutoverRequestRunner {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 })
    const r = new CutoverRequestRunner({ redis: () => (client.status === 'ready' ? client : undefined), prefix: PREFIX, instanceId: id, coordinator, logger: pino({ level: 'silent' }), pollMs: 20 })
    closers.push(() => client.disconnect())
    closers.push(() => r.close())
    return r
  }

  function requester(takeTimeoutMs = 10_000): GateCutoverRequester {
    const r = new GateCutoverRequester({ redis, prefix: PREFIX, takeTimeoutMs, runTimeoutMs: 10_000, pollMs: 10 })
    closers.push(() => r.close())
    return r
  }

  it('exactly one of two gateways runs a request; a commit reads back as done', async () => {
    const c1 = new RecordingCoordinator((route, req) => Promise.resolve(outcome(route, req, true)))
    const c2 = new RecordingCoordinator((route, req) => Promise.resolve(outcome(route, req, true)))
    runner('g1', c1).start()
    runner('g2', c2).start()
    const asks = requester()
    const results = await Promise.all([asks.request('orders', 'every window passing', 'gate:w1'), asks.request('users', 'every window passing', 'gate:w1')])
    expect(results.map((r) => r.done)).toEqual([true, true])
    expect(results[0]?.why).toMatch(/^cut-over committed by gateway g[12] \(epoch 7\)$/)
    const runs = [...c1.runs, ...c2.runs]
    expect(runs.map((r) => r.route).sort()).toEqual(['orders', 'users'])
    expect(runs[0]?.req).toMatchObject({ to: 'final', reason: 'every window passing', by: 'gate:w1' })
    expect(await redis.llen(cutoverRequestQueueKey(PREFIX))).toBe(0)
  })

  it('an abort or a refusal reads back as not done, with the reason and the code', async () => {
    let calls = 0
    const c = new RecordingCoordinator((route, req) => (++calls === 1 ? Promise.resolve(outcome(route, req, false)) : Promise.reject(new CutoverTooSoonError(route, 30_000))))
    runner('g1', c).start()
    const asks = requester()
    expect(await asks.request('orders', 'r', 'gate:w1')).toEqual({ done: false, why: 'the cut-over aborted on gateway g1: instance g2 refused: overflow' })
    const refused = await asks.request('orders', 'r', 'gate:w1')
    expect(refused.done).toBe(false)
    expect(refused.why).toContain('SG_CUTOVER_TOO_SOON')
  })

  it('with no gateway to take it, the asker gives up and a gateway starting later never runs it', async () => {
    const gaveUp = await requester(150).request('orders', 'r', 'gate:w1')
    expect(gaveUp).toEqual({ done: false, why: 'no gateway took the cut-over request within 150 ms (is a gateway with Redis running?)' })
    expect(await redis.llen(cutoverRequestQueueKey(PREFIX))).toBe(0)
    // A request left in the queue whose claim is already the asker's is dropped, not run.
    const late = { id: 'late-1', route: 'orders', to: 'final', reason: 'r', by: 'gate:w1', requestedAt: Date.now() }
    await redis.set(cutoverRequestClaimKey(PREFIX, 'late-1'), CUTOVER_REQUEST_GIVEN_UP)
    await redis.rpush(cutoverRequestQueueKey(PREFIX), JSON.stringify(late))
    const c = new RecordingCoordinator((route, req) => Promise.resolve(outcome(route, req, true)))
    runner('g1', c).start()
    await waitFor(async () => (await redis.llen(cutoverRequestQueueKey(PREFIX))) === 0, 5_000, 'the late request taken off the queue')
    expect(c.runs).toHaveLength(0)
    expect(await redis.exists(cutoverRequestOutcomeKey(PREFIX, 'late-1'))).toBe(0)
  })

  it('entries that are not requests are dropped and the runner carries on', async () => {
    const c = new RecordingCoordinator((route, req) => Promise.resolve(outcome(route, req, true)))
    const r = runner('g1', c)
    const bad = ['not json', '[]', 'null', JSON.stringify({ id: 'x y', route: 'orders', to: 'final', reason: 'r', by: 'b', requestedAt: 1 }), JSON.stringify({ id: 'ok', route: 'orders', to: 'canary', reason: 'r', by: 'b', requestedAt: 1 })]
    await redis.rpush(cutoverRequestQueueKey(PREFIX), ...bad)
    // poll() alone, before start(): it never throws on what it drops (its connection may still be coming up).
    await waitFor(async () => {
      await r.poll()
      return (await redis.llen(cutoverRequestQueueKey(PREFIX))) === 0
    }, 5_000, 'every entry taken off the queue')
    expect(c.runs).toHaveLength(0)
    r.start()
    expect((await requester().request('orders', 'r', 'gate:w1')).done).toBe(true)
    await r.close()
    await r.close()
  })

  it('outcomes read back are validated', () => {
    const good = { id: 'a', route: 'orders', outcome: 'committed', reason: 'r', code: null, instance: 'g1', epoch: 3, at: 1 }
    expect(parseCutoverRequestOutcome(JSON.stringify(good), 'a')).toEqual(good)
    expect(parseCutoverRequestOutcome(JSON.stringify(good), 'b')).toBeUndefined()
    expect(parseCutoverRequestOutcome(JSON.stringify({ ...good, outcome: 'maybe' }), 'a')).toBeUndefined()
    expect(parseCutoverRequestOutcome(JSON.stringify({ ...good, epoch: 1.5 }), 'a')).toBeUndefined()
    expect(parseCutoverRequestOutcome(JSON.stringify({ ...good, code: 5 }), 'a')).toBeUndefined()
    expect(parseCutoverRequestOutcome('{', 'a')).toBeUndefined()
    expect(parseCutoverRequestOutcome(null, 'a')).toBeUndefined()
  })
})
