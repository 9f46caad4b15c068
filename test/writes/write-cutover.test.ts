import { waitFor } from '@shadowgate/dev-helpers'
import { WriteReplayer } from '@shadowgate/audit-service'
import { validateConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { afterEach, describe, expect, it } from 'vitest'
import type { ItemsApp } from './stateful-items-app.js'
import { WriteLogFixture, admin, rawWriteLogConfig, readAllItems, sendWrite, writeStatus, type RunningGateway } from './write-log-rig.js'

interface Outcome {
  outcome: 'committed' | 'aborted'
  abortReason: string | null
  writes: string | null
}

/** A route in stage shadow whose writes are logged, with a cut-over pause long enough for the log to drain. */
function cutoverConfig(redisUrl: string, prefix: string, old: ItemsApp, next: ItemsApp, writes: Record<string, unknown>): ShadowgateConfig {
  const raw = rawWriteLogConfig(redisUrl, prefix, old, next, { appendTimeout: '2s', ...writes }, { cutover: { ackTimeout: '1s', maxPause: '5s', minTimeBetweenFlips: 0 } })
  const [route] = raw['routes'] as Record<string, unknown>[]
  if (route) route['stage'] = 'shadow'
  return validateConfig(raw)
}

async function cutover(gw: RunningGateway): Promise<Outcome> {
  const { status, json } = await admin(gw.admin, 'POST', '/routes/items/cutover', { reason: 'write log test' })
  expect(status).toBe(200)
  return json['cutover'] as Outcome
}

describe('cut-over of a route whose writes are replayed', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('is refused while a gap is open or the lag has not been stable, and allowed after the ack once it has', async () => {
    const { redis, old, next } = await fx.start()
    const writes = { stage: 'record', maxBodyBytes: 64, maxLagForCutover: '300ms' }
    // Two gateways of one fleet: one asks for the lag to have been stable for an hour, the other for half a second.
    const strict = await fx.gateway(cutoverConfig(redis.url, 'wco', old, next, { ...writes, lagStableFor: '1h' }))
    const lenientConfig = cutoverConfig(redis.url, 'wco', old, next, { ...writes, lagStableFor: '500ms' })
    const lenient = await fx.gateway(lenientConfig)
    await waitFor(() => strict.service.cutoverParticipant?.subscribed() === true && lenient.service.cutoverParticipant?.subscribed() === true, 10_000, 'both gateways in the cut-over channel')

    for (let i = 0; i < 5; i++) expect(await sendWrite(strict.traffic, 'PUT', `c${i}`, { name: `n${i}`, seq: i })).toBe(201)
    // Larger than maxBodyBytes: served, and listed as a gap.
    expect(await sendWrite(lenient.traffic, 'PUT', 'big', { name: 'x'.repeat(200) })).toBe(201)
    await waitFor(async () => ((await writeStatus(strict.admin)).open['gap'] ?? 0) >= 1, 10_000, 'the gap listed')

    const recording = await cutover(strict)
    expect(recording.outcome).toBe('aborted')
    expect(recording.abortReason).toContain('stage record')

    // Replayed only once older than maxLagForCutover: the lag was over the bound.
    await waitFor(async () => (await admin(strict.admin, 'GET', '/writes/items')).status === 200 && ((await writeStatus(strict.admin)) as unknown as { lagSeconds: number }).lagSeconds > 0.6, 10_000, 'the log to age')
    expect((await admin(strict.admin, 'PUT', '/writes/items/stage', { stage: 'replay' })).status).toBe(200)
    fx.add(new WriteReplayer(lenientConfig, { pollMs: 20, reportMs: 60_000 }), (r) => r.close()).start()
    await waitFor(async () => (await writeStatus(strict.admin)).lagEntries === 0, 20_000, 'the log to drain')

    const gap = (await writeStatus(strict.admin)).items.find((i) => i.kind === 'gap')
    expect(gap).toBeDefined()
    const withGap = await cutover(lenient)
    expect(withGap.outcome).toBe('aborted')
    expect(withGap.abortReason).toContain(`gap ${String(gap?.['partition'])}/${gap?.id ?? '?'}`)

    expect((await admin(strict.admin, 'POST', '/writes/items/ack', { id: gap?.id, reason: 'the big write was applied by hand' })).status).toBe(200)
    const unstable = await cutover(strict)
    expect(unstable.outcome).toBe('aborted')
    expect(unstable.abortReason).toMatch(/replay lag was above writes\.maxLagForCutover \(0\.30 s\) until .* ago; it must stay below for writes\.lagStableFor/)

    // Another gateway, which never watched the lag, reads the same history.
    let last: Outcome | undefined
    await waitFor(async () => (last = await cutover(lenient)).outcome === 'committed', 30_000, () => `a committed cut-over: ${JSON.stringify(last)}`)
    expect(last?.writes).toBe('final')
    await waitFor(async () => (await writeStatus(strict.admin)).stage === 'final', 10_000, 'the write stage final everywhere')
    expect(lenient.service.settings.stage('items')).toBe('final')

    // Writes now go to the new side and, with reverse, back to the old one.
    expect(await sendWrite(strict.traffic, 'PUT', 'after', { name: 'a', seq: 99 })).toBe(201)
    await waitFor(() => old.items.has('after'), 20_000, 'the reverse replay')
    expect(old.writes.find((w) => w.id === 'after')?.key).toBe(next.writes.find((w) => w.id === 'after')?.key)
  }, 90_000)

  it('writes flowing during the cut-over lose nothing: both sides hold the same items afterwards', async () => {
    const { redis, old, next } = await fx.start()
    const config = cutoverConfig(redis.url, 'wflow', old, next, { stage: 'replay', partitionBy: 'param:id', partitions: 4, maxLagForCutover: '2s', lagStableFor: '0s' })
    const gw = await fx.gateway(config)
    await waitFor(() => gw.service.cutoverParticipant?.subscribed() === true, 10_000, 'the gateway in the cut-over channel')
    fx.add(new WriteReplayer(config, { pollMs: 20, reportMs: 60_000 }), (r) => r.close()).start()

    let seq = 0
    let flowing = true
    let sent = 0
    const statuses: number[] = []
    const client = async (id: string): Promise<void> => {
      for (let n = 0; flowing && n < 2_000; n++) {
        const method = n % 7 === 6 ? 'DELETE' : n % 3 === 2 ? 'PATCH' : 'PUT'
        statuses.push(await sendWrite(gw.traffic, method, id, method === 'DELETE' ? undefined : { name: `${id}-${n}`, seq: seq++ }))
        sent++
      }
    }
    const clients = Array.from({ length: 8 }, (_, i) => client(`item-${i}`))
    await waitFor(() => sent >= 50 && next.writes.length >= 20, 20_000, 'writes flowing and replayed')

    let last: Outcome | undefined
    await waitFor(async () => (last = await cutover(gw)).outcome === 'committed', 30_000, () => `a committed cut-over: ${JSON.stringify(last)}`)
    expect(last?.writes).toBe('final')
    const atCommit = sent
    await waitFor(() => sent >= atCommit + 50, 20_000, 'writes flowing after the cut-over')
    flowing = false
    await Promise.all(clients)
    expect(statuses.every((s) => [200, 201, 204, 404].includes(s))).toBe(true)

    await waitFor(async () => (await writeStatus(gw.admin)).lagEntries === 0, 30_000, 'the reverse log to drain')
    const nextItems = await readAllItems(next)
    expect(Object.keys(nextItems).length).toBeGreaterThan(0)
    expect(await readAllItems(old)).toEqual(nextItems)
    const status = await writeStatus(gw.admin)
    expect(status.open).toEqual({})
    expect(status.counters['mismatched'] ?? 0).toBe(0)
  }, 120_000)
})
