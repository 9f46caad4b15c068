// Claims of SECURITY.md, section "Clients cannot choose the upstream".
import type { ServerResponse } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from '../gateway/proxy/gateway-fixture.js'
import { waitFor, startServer, type ReceivedRequest, type TestServer } from '@shadowgate/dev-helpers'
import { rawExchange } from '../edge/raw-exchange.js'

interface Row {
  readonly name: string
  /** Raw request; `EVIL` is replaced by the address of a server the client would like to reach. */
  readonly request: string
  /** Which configured upstream must get it, and with which URL. */
  readonly reaches: 'primary' | 'adminPrimary'
  readonly url: string
  /** Whether the shadow gets its copy (false when the client marks it as a copy itself). */
  readonly mirrored: boolean
  readonly check?: (got: ReceivedRequest, evil: string) => void
}

const ROWS: readonly Row[] = [
  { name: 'Host naming another server', request: 'GET /h HTTP/1.1\r\nHost: EVIL\r\n\r\n', reaches: 'primary', url: '/h', mirrored: true, check: (r, evil) => expect(r.headers.host).toBe(evil) },
  {
    name: 'X-Forwarded-Host / -Proto / -For and Forwarded sent by the client',
    request: 'GET /xf HTTP/1.1\r\nHost: edge.test\r\nX-Forwarded-Host: EVIL\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6;host=EVIL\r\n\r\n',
    reaches: 'primary',
    url: '/xf',
    mirrored: true,
    check: (r) => expect([r.headers['x-forwarded-host'], r.headers['x-forwarded-proto'], r.headers['x-forwarded-for'], r.headers.forwarded]).toEqual(['edge.test', 'http', '127.0.0.1', undefined]),
  },
  { name: 'absolute-form http target', request: 'GET http://EVIL/steal?x=1 HTTP/1.1\r\nHost: edge.test\r\n\r\n', reaches: 'primary', url: '/steal?x=1', mirrored: true },
  { name: 'absolute-form https target', request: 'GET https://EVIL/steal HTTP/1.1\r\nHost: edge.test\r\n\r\n', reaches: 'primary', url: '/steal', mirrored: true },
  { name: 'scheme-relative path //host/path', request: 'GET //EVIL/x HTTP/1.1\r\nHost: edge.test\r\n\r\n', reaches: 'primary', url: '//EVIL/x', mirrored: true },
  {
    name: 'x-shadowgate-* headers naming upstreams or routes',
    request:
      'GET /sg HTTP/1.1\r\nHost: edge.test\r\nX-Shadowgate-Primary: http://EVIL\r\nX-Shadowgate-Shadow: http://EVIL\r\nX-Shadowgate-Upstream: http://EVIL\r\nX-Shadowgate-Route: admin-area\r\nX-Shadowgate-Target: http://EVIL\r\n\r\n',
    reaches: 'primary',
    url: '/sg',
    mirrored: true,
  },
  {
    name: 'Forwarded / X-Original-URL / X-Rewrite-URL',
    request: 'GET /fw HTTP/1.1\r\nHost: edge.test\r\nForwarded: host=EVIL;proto=https\r\nX-Original-URL: /admin/x\r\nX-Rewrite-URL: /admin/x\r\n\r\n',
    reaches: 'primary',
    url: '/fw',
    mirrored: true,
    check: (r) => expect(r.headers['x-original-url']).toBe('/admin/x'),
  },
  { name: 'absolute-form target is routed by its path, like origin-form', request: 'GET http://EVIL/admin/x HTTP/1.1\r\nHost: edge.test\r\n\r\n', reaches: 'adminPrimary', url: '/admin/x', mirrored: true },
  // Documented limit: rules match the raw path, so an encoded spelling falls to another rule (never outside the config).
  { name: 'percent-encoded path /%61dmin/x matches the raw-path rule set', request: 'GET /%61dmin/x HTTP/1.1\r\nHost: edge.test\r\n\r\n', reaches: 'primary', url: '/%61dmin/x', mirrored: true },
  { name: 'a client-sent x-shadowgate-mirror marker (taken as a copy: not mirrored again)', request: 'GET /marked HTTP/1.1\r\nHost: edge.test\r\nX-Shadowgate-Mirror: 1\r\n\r\n', reaches: 'primary', url: '/marked', mirrored: false },
]

describe('a client can never choose the upstream', () => {
  let primary: TestServer
  let adminPrimary: TestServer
  let shadow: TestServer
  let evil: Server
  let evilAddress: string
  const evilSockets: Socket[] = []
  let gateway: RunningGateway
  const upgrades: { url: string; host: string | undefined }[] = []

  beforeAll(async () => {
    const answer =
      (name: string) =>
      (_req: unknown, res: ServerResponse): void => {
        res.end(`${name} ok`)
      }
    primary = await startServer(answer('primary'))
    adminPrimary = await startServer(answer('admin-primary'))
    shadow = await startServer(answer('shadow'))
    primary.server.on('upgrade', (req, socket) => {
      upgrades.push({ url: req.url ?? '', host: req.headers.host })
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    })
    // The server a client would like to reach: any TCP connection to it is a failure.
    evil = createServer((s) => {
      evilSockets.push(s)
      s.destroy()
    })
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
    evilAddress = `127.0.0.1:${(evil.address() as AddressInfo).port}`
    gateway = await startGateway({
      primary: primary.url,
      shadow: shadow.url,
      routes: [
        { name: 'admin-area', match: '/admin/*', primary: adminPrimary.url, mirror: { percent: 100 } },
        { name: 'all', match: '/*', mirror: { percent: 100 } },
      ],
    })
  })
  afterAll(async () => {
    await gateway?.close()
    await primary?.close()
    await adminPrimary?.close()
    await shadow?.close()
    await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()))
  })

  it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const servers = { primary, adminPrimary }
    const before = { primary: primary.received.length, adminPrimary: adminPrimary.received.length, shadow: shadow.received.length }
    const url = row.url.replaceAll('EVIL', evilAddress)
    const res = await rawExchange(gateway.port, [row.request.replaceAll('EVIL', evilAddress), { awaitResponses: 1 }])
    expect(res.responses.map((r) => r.status)).toEqual([200])
    const target = servers[row.reaches]
    const other = row.reaches === 'primary' ? adminPrimary : primary
    const got = target.received.slice(before[row.reaches])
    expect(got.map((r) => r.url)).toEqual([url])
    expect(other.received.length).toBe(before[row.reaches === 'primary' ? 'adminPrimary' : 'primary'])
    if (row.mirrored) await waitFor(() => shadow.received.length > before.shadow, 5_000, 'the shadow copy')
    else {
      // Settle: a copy would have left right after the primary was dispatched.
      await waitFor(() => Object.values(gateway.mirror.stats().shadows).every((s) => s.inFlight === 0), 5_000, 'copies to settle')
    }
    expect(shadow.received.slice(before.shadow).map((r) => r.url)).toEqual(row.mirrored ? [url] : [])
    row.check?.(got[0] as ReceivedRequest, evilAddress)
  })

  it('CONNECT to another server gets no tunnel', async () => {
    const res = await rawExchange(gateway.port, [`CONNECT ${evilAddress} HTTP/1.1\r\nHost: ${evilAddress}\r\n\r\n`], { awaitClose: true })
    expect(res.responses).toEqual([])
    expect(res.serverClosed).toBe(true)
  })

  it('a WebSocket upgrade naming another host is tunnelled to the primary', async () => {
    const res = await rawExchange(gateway.port, [`GET /ws HTTP/1.1\r\nHost: ${evilAddress}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, { awaitResponses: 1 }])
    expect(res.responses.map((r) => r.status)).toEqual([101])
    expect(upgrades).toEqual([{ url: '/ws', host: evilAddress }])
  })

  it('a WebSocket upgrade with an absolute-form target naming another server is tunnelled to the primary', async () => {
    const before = upgrades.length
    const res = await rawExchange(gateway.port, [`GET http://${evilAddress}/ws2 HTTP/1.1\r\nHost: edge.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, { awaitResponses: 1 }])
    expect(res.responses.map((r) => r.status)).toEqual([101])
    expect(upgrades.slice(before).map((u) => u.host)).toEqual(['edge.test'])
  })

  it('never opened a connection to the server the client named', () => {
    expect(evilSockets).toHaveLength(0)
  })
})
