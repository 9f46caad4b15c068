import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { validateConfig } from '@shadowgate/shared'
import httpProxy from 'http-proxy'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { attachMirror, type MirrorAttachment } from '../../../gateway/src/http-proxy/attach-mirror.js'
import { GatewayMetrics } from '../../../gateway/src/metrics/gateway-metrics.js'
import type { MirrorPair } from '../../../gateway/src/mirror/mirror-pair.js'
import { headerLinesRecord } from '../capture/capture-fixtures.js'
import { send } from '../proxy/gateway-fixture.js'

// An existing http-proxy gateway (as used behind Express/connect) with mirroring attached.
describe('attachMirror on a real http-proxy server', () => {
  let origin: TestServer
  let shadow: TestServer
  let proxyServer: httpProxy
  let front: Server
  let url: string
  let attachment: MirrorAttachment
  const metrics = new GatewayMetrics()
  const pairs: MirrorPair[] = []
  const sockets = new Set<Socket>()

  beforeAll(async () => {
    origin = await startServer((req, res) => {
      if (req.url === '/api/reset') return void req.socket.destroy()
      res.writeHead(200, { 'content-type': 'text/plain', 'x-origin': 'yes' })
      res.end(`primary ${req.method} ${req.url} ${req.body.toString()}`)
    })
    shadow = await startServer((req, res) => void res.end(`shadow ${req.method} ${req.url}`))
    const deadPrimary = `http://127.0.0.1:${await freePort()}`
    proxyServer = httpProxy.createProxyServer({})
    front = createServer((req, res) => {
      const target = req.url?.startsWith('/down') ? deadPrimary : origin.url
      proxyServer.web(req, res, { target }, () => {
        res.writeHead(502)
        res.end('bad gateway')
      })
    })
    front.on('connection', (s) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    })
    front.on('upgrade', (req, socket, head) => proxyServer.ws(req, socket, head, { target: origin.url }, () => socket.destroy()))
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`
    const config = validateConfig({
      primary: origin.url,
      shadow: shadow.url,
      routes: [
        { name: 'api', match: '/api/*', mirror: { percent: 100, methods: ['GET', 'POST'] } },
        { name: 'down', match: '/down/*', mirror: { percent: 100 } },
        { name: 'quiet', match: '/quiet/*' },
      ],
    })
    attachment = attachMirror(proxyServer, { config, metrics, pairSink: { maxBodyBytes: 1_000, accepts: () => true, push: (p) => void pairs.push(p) } })
  })
  afterAll(async () => {
    await attachment?.close()
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => front.close(() => r()))
    proxyServer?.close()
    await origin?.close()
    await shadow?.close()
  })

  it('copies GETs and bodies to the shadow while http-proxy serves the primary', async () => {
    const get = await send(url, '/api/items?x=%zz')
    expect(get.body.toString()).toBe('primary GET /api/items?x=%zz ')
    const body = 'a'.repeat(10_000)
    const post = await send(url, '/api/orders', { method: 'POST', body })
    expect(post.body.toString()).toBe(`primary POST /api/orders ${body}`)
    await waitFor(() => shadow.received.length >= 2, 10_000, 'both copies')
    expect(shadow.received.find((r) => r.url === '/api/items?x=%zz')?.headers['x-shadowgate-mirror']).toBe('1')
    expect(shadow.received.find((r) => r.url === '/api/orders')?.body.toString()).toBe(body)
  })

  it('hands over pairs with the primary response observed through proxyRes', async () => {
    await waitFor(() => pairs.some((p) => p.request.url === '/api/orders'), 10_000, 'the pair')
    const pair = pairs.find((p) => p.request.url === '/api/orders') as MirrorPair
    expect(pair.request.body.toString()).toBe('a'.repeat(10_000))
    expect(pair.primary).toMatchObject({ kind: 'response', status: 200, truncated: true })
    expect(pair.primary.kind === 'response' && headerLinesRecord(pair.primary.headers)['x-origin']).toBe('yes')
    expect(pair.shadow).toMatchObject({ kind: 'response', status: 200 })
  })

  it('observes a primary failure through the proxy request error', async () => {
    expect((await send(url, '/api/reset')).status).toBe(502)
    await waitFor(() => pairs.some((p) => p.request.url === '/api/reset'), 10_000, 'the pair')
    expect(pairs.find((p) => p.request.url === '/api/reset')?.primary).toMatchObject({ kind: 'error', error: 'reset' })
  })

  // Regression: a request the primary never received (connection refused) was copied to the shadow anyway.
  it('copies nothing of a request that never reached the primary', async () => {
    const before = shadow.received.length
    expect((await send(url, '/down/x')).status).toBe(502)
    await waitFor(() => metrics.snapshot()['down']?.notMirrored.not_forwarded === 1, 10_000, 'the copy counted as not forwarded')
    expect(metrics.snapshot()['down']?.mirrored ?? 0).toBe(0)
    expect(pairs.some((p) => p.request.url === '/down/x')).toBe(false)
    expect(shadow.received.length).toBe(before)
  })

  it('counts decisions with the same reasons as the plugin, upgrades included', async () => {
    await send(url, '/quiet/1')
    await send(url, '/elsewhere')
    await new Promise<void>((resolve, reject) => {
      const socket = connect((front.address() as AddressInfo).port, '127.0.0.1', () => {
        socket.write('GET /api/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
      })
      // The origin has no upgrade handler and answers like a plain request: any answer will do.
      socket.once('data', () => {
        socket.destroy()
        resolve()
      })
      socket.on('error', reject)
    })
    const snap = metrics.snapshot()
    expect(snap['quiet']?.notMirrored.not_sampled).toBe(1)
    expect(snap['(unmatched)']?.notMirrored.no_route).toBe(1)
    expect(snap['api']?.notMirrored.upgrade).toBe(1)
    expect(snap['api']?.mirrored).toBe(3)
    expect(attachment.stats().shadows[shadow.url]).toMatchObject({ circuit: 'closed', inFlight: 0 })
  })

  it('detaches on close: later requests are proxied but no longer counted or copied', async () => {
    await attachment.close()
    const before = metrics.snapshot()['api']?.requests
    expect((await send(url, '/api/after-close')).status).toBe(200)
    expect(metrics.snapshot()['api']?.requests).toBe(before)
  })
})
