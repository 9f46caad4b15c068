import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import type { MirrorPair, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { rawExchange, type RawStep } from '../../edge/raw-exchange.js'
import { send, startGateway } from '../proxy/gateway-fixture.js'

class AccountingSink implements PairSink {
  readonly maxBodyBytes = 1_000
  readonly accepted = new Set<string>()
  readonly pushed: MirrorPair[] = []
  readonly withdrawn = new Set<string>()
  accepts(_route: string, id: string): boolean {
    this.accepted.add(id)
    return true
  }
  push(pair: MirrorPair): void {
    this.pushed.push(pair)
  }
  withdraw(_route: string, id: string): void {
    this.withdrawn.add(id)
  }
  get settled(): boolean {
    return this.pushed.length + this.withdrawn.size === this.accepted.size
  }
}

const HOST = 'Host: gw.test'
const BODY = 'hello world'

interface Row {
  readonly name: string
  readonly steps: readonly RawStep[]
  /** Statuses the client gets (none when it hangs up itself). */
  readonly statuses: readonly number[]
  /** The not-mirrored reason the dropped copy is counted under. */
  readonly reason: 'not_forwarded' | 'body_incomplete'
}

// Regression: a request Node's parser refused after it had emitted it ("Data after Connection:
// close": one byte past the Content-Length body) got a 400 and never reached the primary, yet its
// complete copy reached the shadow - bodyless requests too, whose copy left on the next tick - and
// the audit stored a primary_error pair for it. A copy now leaves only once the primary has been
// sent the same request.
const ROWS: readonly Row[] = [
  {
    name: 'POST with one byte after a Connection: close request',
    steps: [`POST /items/c1 HTTP/1.1\r\n${HOST}\r\nContent-Length: 11\r\nConnection: close\r\n\r\n${BODY}X`],
    statuses: [400],
    reason: 'not_forwarded',
  },
  { name: 'GET with one byte after a Connection: close request', steps: [`GET /items/c2 HTTP/1.1\r\n${HOST}\r\nConnection: close\r\n\r\nX`], statuses: [400], reason: 'not_forwarded' },
  {
    name: 'complete POST followed by a malformed pipelined request',
    steps: [`POST /items/c3 HTTP/1.1\r\n${HOST}\r\nContent-Length: 11\r\n\r\n${BODY}G@T / HTTP/1.1\r\n\r\n`],
    statuses: [400],
    reason: 'not_forwarded',
  },
  {
    name: 'chunked POST whose chunk framing breaks mid-body',
    steps: [`POST /items/c4 HTTP/1.1\r\n${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n`],
    statuses: [400],
    reason: 'body_incomplete',
  },
  {
    name: 'client hangs up mid-body',
    steps: [`POST /items/c5 HTTP/1.1\r\n${HOST}\r\nContent-Length: 100\r\n\r\n${BODY}`, { pauseMs: 100 }, { destroy: true }],
    statuses: [],
    reason: 'body_incomplete',
  },
]

const ROUTES = [{ name: 'items', match: '/items/*', mirror: { percent: 100, methods: ['GET', 'POST'] } }]

describe('mirror: a copy leaves only once the primary has been sent the request', () => {
  let primary: TestServer
  let shadow: TestServer

  beforeAll(async () => {
    primary = await startServer((_req, res) => void res.end('primary'))
    shadow = await startServer((_req, res) => void res.end('shadow'))
  })
  afterAll(async () => {
    await primary?.close()
    await shadow?.close()
  })

  // A fresh gateway per row: no pooled connection to the primary is open yet, as for the first
  // request after a start, so the refusal always wins the race against the primary's connect.
  it.each(ROWS.map((row) => [row.name, row] as const))('copies nothing of a request the primary never got whole: %s', async (_name, row) => {
    const sink = new AccountingSink()
    const gateway = await startGateway({ primary: primary.url, shadow: shadow.url, routes: ROUTES }, { pairSink: sink })
    try {
      const before = { shadow: shadow.received.length, primary: primary.received.length }
      const res = await rawExchange(gateway.port, row.steps, { awaitClose: row.statuses.length > 0, timeoutMs: 5_000 })
      expect(res.responses.map((r) => r.status)).toEqual(row.statuses)
      await waitFor(() => gateway.metrics.snapshot()['items']?.notMirrored[row.reason] === 1, 5_000, `the dropped copy to be counted as ${row.reason}`)
      await waitFor(() => sink.settled, 5_000, 'the accepted pair to be withdrawn')
      expect(sink.withdrawn.size).toBe(1)
      // A mirrored probe on the same gateway: any stray copy would have left before it.
      expect((await send(gateway.url, '/items/probe')).status).toBe(200)
      await waitFor(() => sink.pushed.length === 1, 5_000, 'the probe pair')
      expect(sink.pushed.map((p) => p.request.url)).toEqual(['/items/probe'])
      expect(shadow.received.slice(before.shadow).map((r) => r.url)).toEqual(['/items/probe'])
      expect(primary.received.slice(before.primary).map((r) => r.url)).toEqual(['/items/probe'])
      expect(gateway.metrics.snapshot()['items']?.mirrored).toBe(1)
    } finally {
      await gateway.close()
    }
  })

  it('copies nothing when the primary cannot be reached, and stores no primary_error pair for it', async () => {
    const sink = new AccountingSink()
    const down = await startGateway({ primary: `http://127.0.0.1:${await freePort()}`, shadow: shadow.url, routes: ROUTES }, { pairSink: sink })
    try {
      const before = shadow.received.length
      expect((await send(down.url, '/items/down-get')).status).toBe(502)
      expect((await send(down.url, '/items/down-post', { method: 'POST', body: BODY })).status).toBe(502)
      await waitFor(() => down.metrics.snapshot()['items']?.notMirrored.not_forwarded === 2, 5_000, 'both copies counted as not forwarded')
      expect(down.metrics.snapshot()['items']?.mirrored ?? 0).toBe(0)
      await waitFor(() => sink.settled, 5_000, 'the accepted pairs to be withdrawn')
      expect(sink.withdrawn.size).toBe(2)
      expect(sink.pushed).toEqual([])
      expect(shadow.received.length).toBe(before)
    } finally {
      await down.close()
    }
  })

  it('still copies a request the primary got, after it got it', async () => {
    const sink = new AccountingSink()
    const gateway = await startGateway({ primary: primary.url, shadow: shadow.url, routes: ROUTES }, { pairSink: sink })
    try {
      const res = await send(gateway.url, '/items/ok', { method: 'POST', body: BODY })
      expect(res.body.toString()).toBe('primary')
      await waitFor(() => sink.pushed.length === 1, 5_000, 'the pair')
      expect(shadow.received.find((r) => r.url === '/items/ok')?.body.toString()).toBe(BODY)
      expect(sink.pushed[0]?.primary).toMatchObject({ kind: 'response', status: 200 })
    } finally {
      await gateway.close()
    }
  })
})
