import { runtimeSettingsKey } from '@shadowgate/shared'
import { waitFor } from '@shadowgate/dev-helpers'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DifferingRoute } from './differing-upstreams.js'
import { mirroredTotal } from './e2e-stack.js'
import { FLEET_CLOSE_LIMIT_MS, droppedTotal, startFleetStack, type FleetRedis, type FleetStack } from './fleet-stack.js'
import { countBy, single } from './influx-counts.js'
import { sendTraffic, type WrongAnswer } from './send-traffic.js'

const PLAN = { price: 7, rename: 6, noise: 5, fail: 4, unaudited: 3 } as const satisfies Partial<Record<DifferingRoute, number>>
const MISMATCHING = ['price', 'rename', 'fail'] as const
/** One round of traffic per gateway during the failover; rounds go on until the failover is over, plus one. */
const ROUND = { price: 4, rename: 4, noise: 4, fail: 4, unaudited: 1 } as const satisfies Partial<Record<DifferingRoute, number>>
/**
 * Rounds start at most every ROUND_EVERY_MS: a fast machine would otherwise run out of rounds before a
 * failover that takes the cluster's node timeout is over. MAX_ROUNDS of them last at least 30 s.
 */
const ROUND_EVERY_MS = 75
const MAX_ROUNDS = 400

export interface FleetDeployment {
  /** Starts the deployment; `yaml` is what goes under `redis:`. */
  start(): Promise<FleetRedis & { failover(): Promise<void> }>
}

/**
 * The cases every Redis deployment must pass, in one describe block: runtime announcements between
 * two gateways, pairs through the queue to InfluxDB and the mismatch groups with exact counts, and a
 * failover during traffic that fails no client request and loses or repeats no pair.
 */
export function fleetCases(deployment: FleetDeployment, expectPrefix: string): void {
  let stack: FleetStack
  let failover: () => Promise<void> = () => Promise.reject(new Error('not started'))

  beforeAll(async () => {
    stack = await startFleetStack(async () => {
      const started = await deployment.start()
      failover = () => started.failover()
      return started
    })
  }, 120_000)
  afterAll(async () => {
    await stack?.close()
  }, FLEET_CLOSE_LIMIT_MS)

  it('keeps every key under the configured prefix', () => {
    expect(stack.config.redis?.prefix).toBe(expectPrefix)
  })

  it('announces a runtime change made on one gateway to the other', async () => {
    const { a, b, redis } = stack
    await a.settings.setMirror('price', 40, { by: 'fleet-test' })
    await waitFor(() => b.settings.mirrorPercent('price') === 40, 5_000, 'gateway b to apply the change')
    expect(await redis.hget(runtimeSettingsKey(expectPrefix), 'price')).toContain('"percent":40')
    await b.settings.resetMirror('price')
    await waitFor(() => a.settings.mirrorPercent('price') === 100, 5_000, 'gateway a to apply the reset')
  })

  it('carries every pair through the queue to InfluxDB and the mismatch groups, exactly', async () => {
    const wrong: WrongAnswer[] = [...(await sendTraffic(stack.trafficA, PLAN)), ...(await sendTraffic(stack.trafficB, PLAN, 1_000))]
    await stack.drain()
    expect(wrong).toEqual([])
    const { a, b, influx, worker } = stack
    const audited = Object.values(PLAN).reduce((n, c) => n + c, 0) - PLAN.unaudited
    for (const g of [a, b]) {
      expect(g.auditStats()).toMatchObject({ offered: mirroredTotal(g), enqueued: audited, notSampled: PLAN.unaudited })
      expect(droppedTotal(g)).toBe(0)
    }
    expect(await countBy(influx, 'SELECT count("judged") FROM shadowgate_audit GROUP BY route', ['route'])).toEqual({
      price: 2 * PLAN.price,
      rename: 2 * PLAN.rename,
      noise: 2 * PLAN.noise,
      fail: 2 * PLAN.fail,
    })
    const groups = Object.fromEntries((await worker.store.list({ limit: 100 })).map((g) => [g.route, g.count]))
    expect(groups).toEqual(Object.fromEntries(MISMATCHING.map((r) => [r, 2 * PLAN[r]])))
  }, 120_000)

  it('fails no client request and loses or repeats no pair while the master fails over', async () => {
    const { a, b, influx, worker } = stack
    const enqueued = (): number => (a.auditStats()?.enqueued ?? 0) + (b.auditStats()?.enqueued ?? 0)
    const pointsBefore = await single(influx, 'SELECT count("judged") FROM shadowgate_audit')
    const groupsBefore = (await worker.store.list({ limit: 100 })).reduce((n, g) => n + g.count, 0)
    const enqueuedBefore = enqueued()
    let failedOver = false
    let rounds = 0
    const traffic = (async () => {
      const wrong: WrongAnswer[] = []
      // Until the failover is over, and one round after it, so traffic runs on both sides of it.
      for (let last = false; !last && rounds < MAX_ROUNDS; rounds++) {
        last = failedOver
        const id = 10_000 + rounds * 100
        const paced = new Promise((resolve) => setTimeout(resolve, ROUND_EVERY_MS))
        for (const w of await Promise.all([sendTraffic(stack.trafficA, ROUND, id), sendTraffic(stack.trafficB, ROUND, id)])) wrong.push(...w)
        await paced
      }
      return wrong
    })()
    await waitFor(() => enqueued() >= enqueuedBefore + 20, 30_000, 'traffic to be under way')
    await failover().finally(() => {
      failedOver = true
    })
    const wrong = await traffic
    await stack.drain()
    expect(wrong).toEqual([])
    expect(rounds, `traffic rounds until one after the failover (a round starts every ${ROUND_EVERY_MS} ms at most)`).toBeLessThan(MAX_ROUNDS)
    const audited = rounds * (Object.values(ROUND).reduce((n, c) => n + c, 0) - ROUND.unaudited)
    for (const g of [a, b]) {
      // A write cut off by the failover is written again under its job id, so nothing is dropped.
      expect(droppedTotal(g), JSON.stringify(g.auditStats()?.dropped)).toBe(0)
    }
    expect(enqueued() - enqueuedBefore).toBe(2 * audited)
    // Every pair was audited exactly once: the failover lost none and the rewrites repeated none.
    expect(await single(influx, 'SELECT count("judged") FROM shadowgate_audit') - pointsBefore).toBe(2 * audited)
    const mismatching = rounds * MISMATCHING.reduce((n, r) => n + ROUND[r], 0)
    expect((await worker.store.list({ limit: 100 })).reduce((n, g) => n + g.count, 0) - groupsBefore).toBe(2 * mismatching)
    // The runtime store follows the new master too.
    await a.settings.setMirror('noise', 55)
    await waitFor(() => b.settings.mirrorPercent('noise') === 55, 10_000, 'gateway b to apply a change made after the failover')
  }, 180_000)
}
