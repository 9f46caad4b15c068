import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startRedis, startServer, waitFor, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { CUTOVER_REQUEST_GIVEN_UP, cutoverRequestQueueKey, type ShadowgateConfig } from '@shadowgate/shared'
import type { GateEvaluator, GatePromote } from '../../../audit-service/src/gate/gate-evaluator.js'
import type { GateWebhook } from '../../../audit-service/src/gate/gate-webhook.js'
import type { Registry } from 'prom-client'
import { INTERVAL_MS, PREFIX, addJudged, addServed, cleanWindow, evaluatorOn, gateConfig, lastDecision, stageLog, storedStage } from './gate-rig.js'

const T0 = 1_000_000_000

describe('gate evaluator (real Redis, fake clock)', () => {
  let server: TestRedis
  let redis: Redis
  let hook: TestServer
  let evaluator: GateEvaluator
  let webhook: GateWebhook
  let registry: Registry
  const clock = { now: T0 }

  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis(server.url)
    hook = await startServer((_req, res) => {
      res.end('ok')
    })
  })
  afterAll(async () => {
    redis.disconnect()
    await hook.close()
    await server.close()
  })
  beforeEach(async () => {
    await redis.flushall()
    hook.received.length = 0
    clock.now = T0
  })
  afterEach(async () => {
    await evaluator.close()
    await webhook.close()
  })

  function use(config: ShadowgateConfig, opts: Parameters<typeof evaluatorOn>[3] = {}): void {
    ;({ evaluator, webhook, registry } = evaluatorOn(redis, config, clock, opts))
  }

  /** Fills window `w` (counted from T0), then judges it: the clock moves to its end and the evaluator runs one round. */
  async function runWindow(w: number, fill?: (windowStart: number) => Promise<void>): Promise<Record<string, unknown>> {
    if (fill) await fill(T0 + w * INTERVAL_MS)
    clock.now = T0 + (w + 1) * INTERVAL_MS
    await evaluator.tick()
    return await lastDecision(redis)
  }

  async function metric(name: string, labels: string): Promise<number | undefined> {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
    return line === undefined ? undefined : Number(line.split(' ').at(-1))
  }

  it('clean windows step the serve percent up through the steps, then propose the cut-over once', async () => {
    use(gateConfig(server.url, `minComparisons: 10, stepMinComparisons: 50, stepMinDuration: 2s, steps: [1, 5, 100], webhook: "${hook.url}/gate"`))
    await evaluator.tick()
    expect(await lastDecision(redis)).toMatchObject({ stage: 'canary', serve: 1, decision: 'hold' })
    expect(await runWindow(0, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'pass', serve: 1, acted: false })
    expect(await runWindow(1, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'promote', acted: true })
    expect(await storedStage(redis)).toEqual({ stage: 'canary', serve: 5 })
    expect((await stageLog(redis))[0]).toMatchObject({ route: 'orders', action: 'stage', from: { stage: 'canary', serve: 1 }, to: { stage: 'canary', serve: 5 }, by: 'gate:w1' })
    // The next round sees the new step; the window it started in does not count for it.
    expect(await runWindow(2, (s) => cleanWindow(redis, s))).toMatchObject({ serve: 5, decision: 'hold', lastWindow: null })
    expect(await runWindow(3, (s) => cleanWindow(redis, s))).toMatchObject({ serve: 5, decision: 'pass' })
    expect(await runWindow(4, (s) => cleanWindow(redis, s))).toMatchObject({ serve: 5, decision: 'promote', acted: true })
    expect(await storedStage(redis)).toEqual({ stage: 'canary', serve: 100 })
    await runWindow(5)
    await runWindow(6, (s) => cleanWindow(redis, s))
    expect(await runWindow(7, (s) => cleanWindow(redis, s))).toMatchObject({ serve: 100, decision: 'promote', proposed: true, acted: false })
    expect(await runWindow(8, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'hold', reason: expect.stringContaining('proposed') as unknown })
    // Without autoPromote the route stays in canary: the cut-over is an operator's.
    expect(await storedStage(redis)).toEqual({ stage: 'canary', serve: 100 })
    await waitFor(() => hook.received.length === 3, 5_000)
    expect(hook.received.map((r) => (JSON.parse(r.body.toString()) as { action: string }).action)).toEqual(['step', 'step', 'propose'])
    expect(hook.received[0]?.headers['content-type']).toBe('application/json')
  })

  it('with autoPromote the last passing step asks for the cut-over and records acted only when it committed', async () => {
    const asked: string[] = []
    const promote: GatePromote = (route, reason) => {
      asked.push(`${route.name}: ${reason}`)
      return Promise.resolve({ done: true, why: 'cut-over committed by gateway g1 (epoch 1)' })
    }
    use(gateConfig(server.url, 'minComparisons: 10, stepMinComparisons: 20, stepMinDuration: 1s, steps: [50, 100], autoPromote: true', { serve: 100 }), { promote })
    await evaluator.tick()
    expect(await runWindow(0, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'promote', acted: true, promoteTriedAt: T0 + INTERVAL_MS, reason: expect.stringContaining('committed by gateway g1') as unknown })
    expect(asked).toEqual([expect.stringContaining('orders: cut-over to final') as unknown])
  })

  it('with autoPromote and no gateway to take the request, the cut-over did not happen, and it is asked again once per minTimeBetweenFlips', async () => {
    use(gateConfig(server.url, 'minComparisons: 10, stepMinComparisons: 20, stepMinDuration: 1s, steps: [50, 100], autoPromote: true', { serve: 100 }), { cutoverTakeTimeoutMs: 200 })
    await evaluator.tick()
    expect(await runWindow(0, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'promote', acted: false, promoteTriedAt: T0 + INTERVAL_MS, reason: expect.stringContaining('no gateway took the cut-over request within 200 ms') as unknown })
    expect(await storedStage(redis)).toBeUndefined()
    // The request left the queue and its claim is the gate's: a gateway starting later does not run it.
    expect(await redis.llen(cutoverRequestQueueKey(PREFIX))).toBe(0)
    const claims = await redis.keys(`${PREFIX}:cutover:request:*:claim`)
    expect(await Promise.all(claims.map((k) => redis.get(k)))).toEqual([CUTOVER_REQUEST_GIVEN_UP])
    // The next passing window does not ask again before cutover.minTimeBetweenFlips (60 s by default).
    expect(await runWindow(1, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'hold', acted: false, reason: expect.stringContaining('cutover.minTimeBetweenFlips') as unknown })
    expect(await redis.keys(`${PREFIX}:cutover:request:*:claim`)).toHaveLength(1)
    expect(await runWindow(61, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'promote', acted: false, promoteTriedAt: T0 + 62 * INTERVAL_MS })
    expect(await redis.keys(`${PREFIX}:cutover:request:*:claim`)).toHaveLength(2)
  })

  it('a new side that answers wrongly is rolled back after failureLimit failing windows', async () => {
    use(gateConfig(server.url, `minComparisons: 10, webhook: "${hook.url}/gate"`, { serve: 5 }))
    await evaluator.tick()
    const wrong = async (s: number): Promise<void> => {
      await addJudged(redis, 'orders', s, 100, 5)
      await addServed(redis, 'orders', s, 'old', 100, 0, 20)
      await addServed(redis, 'orders', s, 'new', 10, 0, 20)
    }
    expect(await runWindow(0, wrong)).toMatchObject({ decision: 'fail', failStreak: 1, reason: expect.stringContaining('mismatch rate 5.00%') as unknown })
    expect(await runWindow(1, wrong)).toMatchObject({ decision: 'fail', failStreak: 2 })
    expect(await storedStage(redis)).toBeUndefined()
    expect(await runWindow(2, wrong)).toMatchObject({ decision: 'rollback', acted: true, reason: expect.stringContaining('3 failing windows in a row') as unknown })
    expect(await storedStage(redis)).toEqual({ stage: 'shadow', serve: 5 })
    expect((await stageLog(redis))[0]).toMatchObject({ from: { stage: 'canary' }, to: { stage: 'shadow' }, by: 'gate:w1' })
    await waitFor(() => hook.received.length === 1, 5_000)
    expect(JSON.parse(hook.received[0]?.body.toString() ?? '{}')).toMatchObject({ route: 'orders', decision: 'rollback', action: 'rollback', acted: true })
    // Out of canary the gate watches and does nothing more.
    expect(await runWindow(3, wrong)).toMatchObject({ stage: 'shadow', decision: 'hold' })
    expect(await storedStage(redis)).toEqual({ stage: 'shadow', serve: 5 })
  })

  it('a passing window between failing ones restarts the count', async () => {
    use(gateConfig(server.url, 'minComparisons: 10, failureLimit: 2, stepMinComparisons: 100000', { serve: 5 }))
    await evaluator.tick()
    const wrong = (s: number): Promise<void> => addJudged(redis, 'orders', s, 100, 50).then(() => addServed(redis, 'orders', s, 'new', 10, 0, 20))
    expect(await runWindow(0, wrong)).toMatchObject({ decision: 'fail', failStreak: 1 })
    expect(await runWindow(1, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'pass', failStreak: 0 })
    expect(await runWindow(2, wrong)).toMatchObject({ decision: 'fail', failStreak: 1 })
    expect(await storedStage(redis)).toBeUndefined()
  })

  it('new-side 5xx above the abort rate rolls back in one window, whatever the judged pairs', async () => {
    use(gateConfig(server.url, 'minComparisons: 1000', { serve: 10 }))
    await evaluator.tick()
    const failing = async (s: number): Promise<void> => {
      await addJudged(redis, 'orders', s, 5, 0)
      await addServed(redis, 'orders', s, 'old', 100, 0, 20)
      await addServed(redis, 'orders', s, 'new', 40, 8, 20)
    }
    expect(await runWindow(0, failing)).toMatchObject({ decision: 'rollback', acted: true, reason: expect.stringContaining('abort') as unknown })
    expect(await storedStage(redis)).toEqual({ stage: 'shadow', serve: 10 })
  })

  it('new-side 5xx over twice the old side and a slow p99 fail the window', async () => {
    use(gateConfig(server.url, 'minComparisons: 10', { serve: 10 }))
    await evaluator.tick()
    expect(
      await runWindow(0, async (s) => {
        await addJudged(redis, 'orders', s, 100, 0)
        await addServed(redis, 'orders', s, 'old', 1000, 10, 20)
        await addServed(redis, 'orders', s, 'new', 100, 3, 20)
      }),
    ).toMatchObject({ decision: 'fail', reason: expect.stringContaining('new side 5xx 3.00% > 2.00%') as unknown })
    expect(
      await runWindow(1, async (s) => {
        await addJudged(redis, 'orders', s, 100, 0)
        await addServed(redis, 'orders', s, 'old', 1000, 0, 90)
        await addServed(redis, 'orders', s, 'new', 100, 0, 400)
      }),
    ).toMatchObject({ decision: 'fail', reason: expect.stringContaining('new side p99 400 ms > 170 ms') as unknown })
  })

  it('no traffic is inconclusive: it never promotes, and three in a row hold and say so', async () => {
    use(gateConfig(server.url, 'stepMinComparisons: 0, stepMinDuration: 0s', { serve: 1 }))
    await evaluator.tick()
    expect(await runWindow(0)).toMatchObject({ decision: 'inconclusive', inconclusiveStreak: 1 })
    // Too few judged pairs is no better than none.
    expect(await runWindow(1, (s) => cleanWindow(redis, s, 199))).toMatchObject({ decision: 'inconclusive', inconclusiveStreak: 2, reason: expect.stringContaining('199 judged pairs < minComparisons 200') as unknown })
    expect(await runWindow(2)).toMatchObject({ decision: 'hold', inconclusiveStreak: 3, reason: expect.stringContaining('3 inconclusive windows in a row') as unknown })
    expect(await metric('shadowgate_gate_held', 'route="orders"')).toBe(1)
    for (let w = 3; w < 8; w++) expect(await runWindow(w)).toMatchObject({ decision: 'hold' })
    expect(await storedStage(redis)).toBeUndefined()
    expect(await metric('shadowgate_gate_decisions_total', 'route="orders",decision="inconclusive"')).toBe(2)
  })

  it('with auto off the gate reports what it would do and changes nothing', async () => {
    use(gateConfig(server.url, 'auto: false, minComparisons: 10, failureLimit: 1', { serve: 5 }))
    await evaluator.tick()
    expect(await runWindow(0, (s) => addJudged(redis, 'orders', s, 100, 50).then(() => addServed(redis, 'orders', s, 'new', 10, 0, 20)))).toMatchObject({
      decision: 'rollback',
      acted: false,
      reason: expect.stringMatching(/^would roll back/) as unknown,
    })
    expect(await storedStage(redis)).toBeUndefined()
    expect(await stageLog(redis)).toEqual([])
  })

  it('a window is judged once, and a change made by someone else restarts the step', async () => {
    use(gateConfig(server.url, 'minComparisons: 10, stepMinComparisons: 1000000', { serve: 5 }))
    await evaluator.tick()
    expect(await runWindow(0, (s) => cleanWindow(redis, s))).toMatchObject({ decision: 'pass', runComparisons: 30 })
    await evaluator.tick()
    expect(await lastDecision(redis)).toMatchObject({ runComparisons: 30 })
    // An operator sets 25 % by hand (as the gateway's runtime store writes it).
    await redis.hset('sggate:runtime:routes', 'orders', JSON.stringify({ percent: 0, expiresAt: null, revertTo: null, updatedAt: 1, by: 'op', migration: { stage: 'canary', serve: 25, writes: 'old', history: [] } }))
    expect(await runWindow(1, (s) => cleanWindow(redis, s))).toMatchObject({ serve: 25, decision: 'hold', runComparisons: 0 })
  })

  it('a webhook that never answers neither blocks the round nor is lost: it times out, is logged and counted', async () => {
    const silent = await startServer(() => new Promise<void>(() => undefined))
    try {
      use(gateConfig(server.url, `minComparisons: 1000, webhook: "${silent.url}/hook", webhookTimeout: 1s`, { serve: 10 }))
      await evaluator.tick()
      const decision = await runWindow(0, (s) => addServed(redis, 'orders', s, 'new', 40, 40, 20))
      // The round is over while the call is still waiting.
      expect(decision).toMatchObject({ decision: 'rollback', acted: true })
      expect(await metric('shadowgate_gate_webhook_failures_total', 'route="orders"')).toBeUndefined()
      await waitFor(async () => (await metric('shadowgate_gate_webhook_failures_total', 'route="orders"')) === 1, 5_000)
      expect(silent.received).toHaveLength(1)
    } finally {
      await silent.close()
    }
  })

  it('an unreadable stored setting is an error counted per route, never a crash, and changes nothing', async () => {
    use(gateConfig(server.url, 'minComparisons: 10', { serve: 5 }))
    await redis.hset('sggate:runtime:routes', 'orders', '{"percent":"lots"}')
    await evaluator.tick()
    expect(await metric('shadowgate_gate_errors_total', 'route="orders"')).toBe(1)
    expect(await redis.hget('sggate:runtime:routes', 'orders')).toBe('{"percent":"lots"}')
  })
})
