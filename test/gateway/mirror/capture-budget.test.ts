import type { ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { validateConfig } from '@shadowgate/shared'
import { waitFor, startServer, streamFiller, type TestServer } from '@shadowgate/dev-helpers'
import type { MirrorPair, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

const CAPTURE = 10_000
const BUDGET = 35_000

class AccountingSink implements PairSink {
  readonly maxBodyBytes = CAPTURE
  accepted = 0
  readonly pushed: MirrorPair[] = []
  withdrawn = 0
  dropped = 0
  accepts(): boolean {
    this.accepted++
    return true
  }
  push(pair: MirrorPair): void {
    this.pushed.push(pair)
  }
  withdraw(): void {
    this.withdrawn++
  }
  drop(_route: string, _id: string, reason: string): void {
    expect(reason).toBe('capture_budget')
    this.dropped++
  }
  get settled(): number {
    return this.pushed.length + this.withdrawn + this.dropped
  }
}


// Regression: at 100 % audit every client that read its response slowly kept its capture (up to
// audit.maxBodyBytes of primary body, plus the request and the shadow's answer) alive until it
// finished, so RSS grew with the number of slow clients without any bound.
describe('audit.maxCaptureBytesTotal: captures in progress hold a bounded number of bytes', () => {
  let primary: TestServer
  let shadow: TestServer
  let gateway: RunningGateway
  let sink: AccountingSink
  /** Shadow answers held back by the first test, so its captures stay in progress. */
  const heldShadow: ServerResponse[] = []
  let holdShadow = true
  const clients: Socket[] = []

  beforeAll(async () => {
    primary = await startServer((req, res) => {
      if (req.url?.startsWith('/huge')) streamFiller(res, 200 * 1_048_576)
      else res.end(Buffer.alloc(CAPTURE, 97))
    })
    shadow = await startServer((_req, res) => {
      if (holdShadow) heldShadow.push(res)
      else res.end('shadow')
    })
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await gateway?.close()
  })
  afterAll(async () => {
    await primary?.close()
    await shadow?.close()
  })

  async function start(proxy: Record<string, unknown> = {}): Promise<void> {
    sink = new AccountingSink()
    gateway = await startGateway(
      { primary: primary.url, shadow: shadow.url, proxy, audit: { maxCaptureBytesTotal: BUDGET }, routes: [{ name: 'all', match: '/*', mirror: { percent: 100 } }] },
      { pairSink: sink },
    )
  }

  it('drops, and counts exactly, the pairs that do not fit while earlier captures wait', async () => {
    await start()
    for (let i = 0; i < 10; i++) expect((await send(gateway.url, `/item/${i}`)).body.length).toBe(CAPTURE)
    await waitFor(() => heldShadow.length === 10, 5_000, 'the ten copies at the shadow')
    // Three primary captures of 10,000 bytes fit in 35,000; each later one was given up at once.
    expect(gateway.mirror.stats().captureBytes).toBe(3 * CAPTURE)
    expect(sink.dropped).toBe(7)
    expect(gateway.metrics.snapshot()['all']?.mirrored).toBe(10)
    for (const res of heldShadow.splice(0)) res.end('shadow')
    await waitFor(() => sink.settled === 10, 5_000, 'every pair to be settled')
    expect(sink.pushed.map((p) => p.request.url)).toEqual(['/item/0', '/item/1', '/item/2'])
    expect(sink.pushed.every((p) => p.primary.kind === 'response' && p.primary.body.length === CAPTURE)).toBe(true)
    expect({ accepted: sink.accepted, pushed: sink.pushed.length, dropped: sink.dropped, withdrawn: sink.withdrawn }).toEqual({ accepted: 10, pushed: 3, dropped: 7, withdrawn: 0 })
    expect(gateway.mirror.stats().captureBytes).toBe(0)
  })

  it('stays within the budget with many clients that never read, and frees it when they are cut', async () => {
    holdShadow = false
    await start({ clientWriteTimeout: '2s' })
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, gateway.mirror.stats().captureBytes)), 1)
    try {
      for (let i = 0; i < 12; i++) {
        const socket = connect(gateway.port, '127.0.0.1')
        socket.pause()
        socket.on('error', () => {})
        socket.write(`GET /huge/${i} HTTP/1.1\r\nHost: gw.test\r\n\r\n`)
        clients.push(socket)
      }
      await waitFor(() => sink.accepted === 12, 10_000, 'all twelve requests')
      await waitFor(() => sink.settled === 12, 15_000, () => `every pair settled (${sink.pushed.length} pushed, ${sink.dropped} dropped)`)
    } finally {
      clearInterval(sampler)
    }
    expect(peak).toBeLessThanOrEqual(BUDGET)
    expect(peak).toBeGreaterThan(0)
    // At most three 10,000-byte captures fit at a time (more are kept over the run only as cut
    // clients free their share); the rest were counted, not held.
    expect(sink.dropped).toBeGreaterThan(0)
    expect(sink.pushed.length + sink.dropped).toBe(12)
    expect(sink.withdrawn).toBe(0)
    // The pairs that were kept saw their slow client cut by the write timeout.
    for (const p of sink.pushed) expect(p.primary).toMatchObject({ kind: 'error', error: 'aborted' })
    expect(gateway.mirror.stats().captureBytes).toBe(0)
  })

  it('defaults to 64 MiB and refuses a budget below one byte', () => {
    expect(validateConfig({ primary: 'http://127.0.0.1:1' }).audit.maxCaptureBytesTotal).toBe(64 * 1_048_576)
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', audit: { maxCaptureBytesTotal: 0 } })).toThrow(/audit\.maxCaptureBytesTotal/)
  })
})
