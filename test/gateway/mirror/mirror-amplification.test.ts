import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import type { MirrorPair, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'
import { DialSettings } from './dial-settings.js'

/** A pair sink that audits every request and keeps what it got. */
class RecordingSink implements PairSink {
  readonly maxBodyBytes = 10_000
  readonly accepted: string[] = []
  readonly pairs: MirrorPair[] = []
  accepts(_route: string, id: string): boolean {
    this.accepted.push(id)
    return true
  }
  push(pair: MirrorPair): void {
    this.pairs.push(pair)
  }
}

async function metric(gateway: RunningGateway, name: string, labels: string): Promise<number> {
  const text = await gateway.metrics.registry.metrics()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? 0 : Number(line.split(' ').pop())
}

describe('mirror: amplification beyond 100 %', () => {
  let origin: TestServer
  let shadow: TestServer
  let dial: DialSettings
  let sink: RecordingSink
  let gateway: RunningGateway

  beforeAll(async () => {
    origin = await startServer((_req, res) => void res.end('primary'))
    shadow = await startServer((_req, res) => void res.end('shadow'))
    dial = new DialSettings(300, origin.url, shadow.url)
    sink = new RecordingSink()
    gateway = await startGateway(
      {
        primary: origin.url,
        shadow: shadow.url,
        routes: [
          { name: 'items', match: '/items/*', mirror: { methods: ['GET', 'HEAD', 'POST'] } },
          { name: 'sticky', match: '/sticky/*', mirror: { sticky: 'header:X-User' } },
        ],
      },
      { settings: dial, pairSink: sink },
    )
  })
  afterEach(() => {
    shadow.received.length = 0
    sink.pairs.length = 0
    sink.accepted.length = 0
  })
  afterAll(async () => {
    await gateway?.close()
    await origin?.close()
    await shadow?.close()
  })

  function copiesOf(url: string): string[] {
    return shadow.received.filter((r) => r.url === url).map((r) => String(r.headers['x-shadowgate-copy'] ?? ''))
  }

  it('300 % sends three numbered copies of every GET and audits exactly one of them', async () => {
    dial.percent = 300
    const before = await metric(gateway, 'shadowgate_mirror_copies_total', 'route="items"')
    const n = 40
    for (let i = 0; i < n; i++) expect((await send(gateway.url, `/items/${i}`)).body.toString()).toBe('primary')
    await waitFor(() => shadow.received.length >= 3 * n && sink.pairs.length >= n, 10_000, 'every copy and pair')
    for (let i = 0; i < n; i++) expect(copiesOf(`/items/${i}`).sort()).toEqual(['1/3', '2/3', '3/3'])
    // One pair per request, never one per copy; its shadow side is the first copy.
    expect(sink.accepted).toHaveLength(n)
    expect(sink.pairs).toHaveLength(n)
    expect(new Set(sink.pairs.map((p) => p.request.url)).size).toBe(n)
    expect(await metric(gateway, 'shadowgate_mirror_copies_total', 'route="items"')).toBe(before + 3 * n)
  })

  it('250 % sends 2.5 copies per GET on average, within statistical bounds', async () => {
    dial.percent = 250
    const n = 400
    for (let i = 0; i < n; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => send(gateway.url, `/items/avg-${i + j}`)))
    await waitFor(() => sink.pairs.length >= n, 10_000, 'every pair')
    await waitFor(() => shadow.received.length >= 2 * n, 10_000, 'the copies')
    const counts = Array.from({ length: n }, (_, i) => copiesOf(`/items/avg-${i}`).length)
    expect(counts.every((c) => c === 2 || c === 3)).toBe(true)
    // A fair coin for the third copy: mean 2.5, standard error 0.025; five of them either side.
    const mean = counts.reduce((a, b) => a + b, 0) / n
    expect(mean).toBeGreaterThan(2.375)
    expect(mean).toBeLessThan(2.625)
    expect(sink.pairs).toHaveLength(n)
  })

  it('numbers copies itself: a client cannot forge the copy header', async () => {
    dial.percent = 200
    await send(gateway.url, '/items/forged-2', { headers: { 'x-shadowgate-copy': '9/9' } })
    dial.percent = 100
    await send(gateway.url, '/items/forged-1', { headers: { 'x-shadowgate-copy': '9/9' } })
    await waitFor(() => copiesOf('/items/forged-2').length === 2 && copiesOf('/items/forged-1').length === 1, 10_000, 'the copies')
    expect(copiesOf('/items/forged-2').sort()).toEqual(['1/2', '2/2'])
    expect(copiesOf('/items/forged-1')).toEqual([''])
    expect(shadow.received.filter((r) => r.url.startsWith('/items/forged')).every((r) => !Array.isArray(r.headers['x-shadowgate-copy']))).toBe(true)
  })

  it('never amplifies a POST: one copy, not numbered', async () => {
    dial.percent = 300
    for (let i = 0; i < 10; i++) await send(gateway.url, `/items/post-${i}`, { method: 'POST', body: `{"n":${i}}` })
    await waitFor(() => sink.pairs.length >= 10, 10_000, 'the pairs')
    // A GET after them, whose copies arrive after theirs would have.
    await send(gateway.url, '/items/sentinel')
    await waitFor(() => copiesOf('/items/sentinel').length === 3, 10_000, 'the sentinel copies')
    for (let i = 0; i < 10; i++) expect(copiesOf(`/items/post-${i}`)).toEqual([''])
  })

  it('with a sticky key the same callers get the extra copy every time', async () => {
    dial.percent = 150
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`)
    for (const round of [1, 2]) {
      for (const u of users) await send(gateway.url, `/sticky/${u}-${round}`, { headers: { 'x-user': u } })
    }
    await waitFor(() => sink.pairs.length >= 80, 10_000, 'the pairs')
    await waitFor(() => shadow.received.length >= 80 + 2 * 10, 10_000, 'the copies')
    const extra = (round: number): string[] => users.filter((u) => copiesOf(`/sticky/${u}-${round}`).length === 2)
    await waitFor(() => extra(1).length === extra(2).length, 5_000, 'both rounds')
    expect(extra(1)).toEqual(extra(2))
    expect(extra(1).length).toBeGreaterThan(0)
    expect(extra(1).length).toBeLessThan(users.length)
  })
})

describe('mirror: extra copies go through the same isolation', () => {
  let origin: TestServer
  let shadow: TestServer
  let gateway: RunningGateway
  const held: (() => void)[] = []

  beforeAll(async () => {
    origin = await startServer((_req, res) => void res.end('primary'))
    // A shadow that holds every copy until the test lets go.
    shadow = await startServer((_req, res) => void held.push(() => res.end('late')))
    gateway = await startGateway(
      { primary: origin.url, shadow: shadow.url, mirror: { maxInFlight: 4, connections: 4 }, routes: [{ name: 'items', match: '/items/*' }] },
      { settings: new DialSettings(1_000, origin.url, shadow.url) },
    )
  })
  afterAll(async () => {
    for (const release of held.splice(0)) release()
    await gateway?.close()
    await origin?.close()
    await shadow?.close()
  })

  it('copies beyond the in-flight cap are not sent, and counted per copy; production answers at once', async () => {
    const started = performance.now()
    const res = await send(gateway.url, '/items/1')
    expect(res.body.toString()).toBe('primary')
    expect(performance.now() - started).toBeLessThan(2_000)
    await waitFor(() => shadow.received.length === 4, 10_000, 'the copies within the cap')
    expect(await metric(gateway, 'shadowgate_mirror_copies_total', 'route="items"')).toBe(4)
    expect(await metric(gateway, 'shadowgate_mirror_copies_not_sent_total', 'route="items",reason="in_flight_cap"')).toBe(6)
    expect(await metric(gateway, 'shadowgate_mirrored_total', 'route="items"')).toBe(1)
  })
})
