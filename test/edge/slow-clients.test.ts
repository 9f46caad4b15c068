// Claims of SECURITY.md, section "Bad input at the edge".
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { validateConfig } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildGateway } from '../../gateway/src/build-gateway.js'
import { startGateway, type RunningGateway } from '../gateway/proxy/gateway-fixture.js'
import { expectSameInterpretation, expectStillServing, startEdgeSetup, type EdgeSetup, type Seen } from './edge-setup.js'
import { rawExchange, type RawStep } from './raw-exchange.js'

/**
 * Slow clients (slowloris): the gateway bounds the time a client may take to send its headers
 * (proxy.clientHeadersTimeout) and its whole request (proxy.clientRequestTimeout), answers 408 and
 * closes. Deadlines here are short so each row ends within seconds; the assertions are about what
 * happens (408, closed, nothing forwarded), not how fast.
 */
interface SlowRow {
  readonly name: string
  readonly steps: readonly RawStep[]
  readonly statuses: readonly number[]
  readonly closed: boolean
  readonly upstreams: readonly Seen[]
}

const HOST = 'Host: edge.test'

function trickle(text: string, pauseMs: number): RawStep[] {
  const steps: RawStep[] = []
  for (const ch of text) steps.push(ch, { pauseMs })
  return steps
}

function slowHeaderLines(count: number, pauseMs: number): RawStep[] {
  const steps: RawStep[] = ['GET /slow-headers HTTP/1.1\r\n']
  for (let i = 0; i < count; i++) steps.push({ pauseMs }, `X-Slow-${i}: ${i}\r\n`)
  return steps
}

const ROWS: readonly SlowRow[] = [
  { name: 'a connection that never sends a byte', steps: [{ pauseMs: 10 }], statuses: [408], closed: true, upstreams: [] },
  { name: 'headers sent one line at a time, never finished', steps: slowHeaderLines(40, 150), statuses: [408], closed: true, upstreams: [] },
  {
    name: 'a body sent one byte at a time past the request deadline',
    steps: [`POST /slow-body HTTP/1.1\r\n${HOST}\r\nContent-Length: 100\r\n\r\n`, ...trickle('x'.repeat(100), 150)],
    statuses: [408],
    closed: true,
    upstreams: [],
  },
  {
    name: 'a slow body that completes within the request deadline',
    steps: [`POST /slow-ok HTTP/1.1\r\n${HOST}\r\nContent-Length: 5\r\n\r\n`, ...trickle('hello', 60), { awaitResponses: 1 }],
    statuses: [200],
    closed: false,
    upstreams: [{ method: 'POST', url: '/slow-ok', body: 'hello' }],
  },
  {
    name: 'a keep-alive connection idle longer than both deadlines between requests',
    steps: [`GET /idle-1 HTTP/1.1\r\n${HOST}\r\n\r\n`, { awaitResponses: 1 }, { pauseMs: 2_000 }, `GET /idle-2 HTTP/1.1\r\n${HOST}\r\n\r\n`, { awaitResponses: 2 }],
    statuses: [200, 200],
    closed: false,
    upstreams: [
      { method: 'GET', url: '/idle-1', body: '' },
      { method: 'GET', url: '/idle-2', body: '' },
    ],
  },
]

describe('slow clients are timed out (proxy.clientHeadersTimeout / proxy.clientRequestTimeout)', () => {
  let setup: EdgeSetup
  beforeAll(async () => {
    setup = await startEdgeSetup({ clientHeadersTimeout: '500ms', clientRequestTimeout: '1500ms' })
  })
  afterAll(async () => {
    await setup?.close()
  })

  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const before = { primary: setup.primary.received.length, shadow: setup.shadow.received.length }
    const steps: RawStep[] = [...row.steps]
    if (row.closed) steps.push({ awaitResponses: row.statuses.length })
    const res = await rawExchange(setup.gateway.port, steps, { awaitClose: row.closed, timeoutMs: 10_000 })
    expect(res.responses.map((r) => r.status)).toEqual(row.statuses)
    if (row.statuses[0] === 408) expect(JSON.parse(res.responses[0]?.body.toString() ?? '')).toMatchObject({ code: 'SG_CLIENT_TIMEOUT' })
    expect(res.serverClosed).toBe(row.closed)
    await expectSameInterpretation(setup, before, row.upstreams)
    await expectStillServing(setup, row.name)
  })
})

describe('answerClientError: a client timeout never splices a 408 into a relayed response', () => {
  let early: Server
  let gateway: RunningGateway | undefined
  beforeAll(async () => {
    // Answers at once, without reading the request body, and then stalls mid-body.
    early = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '40' })
      res.write('0123456789')
    })
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve))
  })
  afterEach(async () => {
    await gateway?.close()
    gateway = undefined
  })
  afterAll(async () => {
    early.closeAllConnections()
    await new Promise<void>((resolve) => early.close(() => resolve()))
  })

  it('cuts the connection after the bytes the primary sent, and adds none of its own', async () => {
    const port = (early.address() as AddressInfo).port
    gateway = await startGateway({ primary: `http://127.0.0.1:${port}`, proxy: { clientHeadersTimeout: '300ms', clientRequestTimeout: '1s' } })
    const res = await rawExchange(gateway.port, [`POST /upload HTTP/1.1\r\n${HOST}\r\nContent-Length: 100\r\n\r\nabc`], { awaitClose: true, timeoutMs: 8_000 })
    const text = res.bytes.toString('latin1')
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    // The client must see a cut response (10 of 40 bytes, then the close), never a "complete" one with foreign bytes.
    expect(text.endsWith('\r\n\r\n0123456789')).toBe(true)
    expect(text).not.toContain('408')
    expect(res.responses).toEqual([])
    expect(res.serverClosed).toBe(true)
  })
})

describe('client deadlines: defaults and validation', () => {
  const base = { primary: 'http://127.0.0.1:9' }

  it('defaults to 30 s for headers and 300 s for the whole request, checked at least every second; 72 s keep-alive idle', async () => {
    const config = validateConfig(base)
    expect(config.proxy).toMatchObject({ clientHeadersTimeoutMs: 30_000, clientRequestTimeoutMs: 300_000 })
    const app = await buildGateway(config)
    try {
      expect(app.server.headersTimeout).toBe(30_000)
      expect(app.server.requestTimeout).toBe(300_000)
      expect((app.server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval).toBeLessThanOrEqual(1_000)
      // Idle keep-alive connections between requests: Fastify's default, not changed by the gateway.
      expect(app.server.keepAliveTimeout).toBe(72_000)
    } finally {
      await app.close()
    }
  })

  it('lets clientRequestTimeout be switched off with 0 (headers stay bounded)', async () => {
    const app = await buildGateway(validateConfig({ ...base, proxy: { clientRequestTimeout: 0, clientHeadersTimeout: '10s' } }))
    try {
      expect(app.server.requestTimeout).toBe(0)
      expect(app.server.headersTimeout).toBe(10_000)
    } finally {
      await app.close()
    }
  })

  it.each([
    [{ clientHeadersTimeout: '10s', clientRequestTimeout: '5s' }, 'proxy.clientHeadersTimeout must not exceed proxy.clientRequestTimeout'],
    [{ clientHeadersTimeout: 0 }, 'proxy.clientHeadersTimeout must be at least 1'],
    [{ clientRequestTimeout: 'soon' }, 'proxy.clientRequestTimeout must be a duration'],
  ])('refuses %j with a message naming the key', (proxy, message) => {
    expect(() => validateConfig({ ...base, proxy })).toThrow(message)
  })
})
