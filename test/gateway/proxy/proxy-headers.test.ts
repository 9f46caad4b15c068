import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'
import { rawHeaderValues, send, startGateway, type RunningGateway } from './gateway-fixture.js'

describe('proxy: headers', () => {
  let origin: TestServer
  let preserve: RunningGateway
  let upstreamHost: RunningGateway
  let lastRawHeaders: string[] = []

  beforeAll(async () => {
    origin = await startServer((req, res) => {
      lastRawHeaders = req.rawHeaders
      if (req.url === '/hop-response') {
        res.setHeader('Connection', 'X-Hop-Resp')
        res.setHeader('X-Hop-Resp', 'secret')
        res.setHeader('Proxy-Authenticate', 'Basic')
        res.setHeader('Trailer', 'X-Checksum')
        res.setHeader('Upgrade', 'h2c')
        res.setHeader('X-End-To-End', 'kept')
        res.end('hop')
        return
      }
      res.end('ok')
    })
    preserve = await startGateway({ primary: origin.url, proxy: { hostHeader: 'preserve' } })
    upstreamHost = await startGateway({ primary: origin.url, proxy: { hostHeader: 'upstream' } })
  })
  afterAll(async () => {
    await preserve?.close()
    await upstreamHost?.close()
    await origin?.close()
  })

  const lastReceived = (): TestServer['received'][number] => origin.received.at(-1) as TestServer['received'][number]

  it('removes hop-by-hop request headers, including those named by Connection', async () => {
    const res = await send(preserve.url, '/hop', {
      headers: [
        'Host', 'shop.example',
        'Connection', 'keep-alive, X-Named-Hop',
        'X-Named-Hop', 'drop me',
        'Keep-Alive', 'timeout=5',
        'Proxy-Authorization', 'Basic Zm9vOmJhcg==',
        'Proxy-Connection', 'keep-alive',
        'TE', 'trailers',
        'X-Kept', 'yes',
      ],
    })
    expect(res.status).toBe(200)
    const seen = lastReceived().headers
    for (const h of ['x-named-hop', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer']) expect(seen[h], h).toBeUndefined()
    expect(seen['x-kept']).toBe('yes')
  })

  it('removes hop-by-hop response headers and keeps end-to-end ones', async () => {
    const res = await send(preserve.url, '/hop-response')
    expect(res.body.toString()).toBe('hop')
    for (const h of ['x-hop-resp', 'proxy-authenticate', 'trailer', 'upgrade']) expect(res.headers[h], h).toBeUndefined()
    expect(res.headers['x-end-to-end']).toBe('kept')
  })

  it('replaces X-Forwarded-For, -Proto and -Host of a peer that is no trusted proxy', async () => {
    await send(preserve.url, '/xff', { headers: { host: 'shop.example', 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'spoofed', forwarded: 'for=203.0.113.7' } })
    const seen = lastReceived().headers
    expect(seen['x-forwarded-for']).toBe('127.0.0.1')
    expect(seen.forwarded).toBeUndefined()
    expect(seen['x-forwarded-proto']).toBe('http')
    expect(seen['x-forwarded-host']).toBe('shop.example')
    await send(preserve.url, '/xff')
    expect(lastReceived().headers['x-forwarded-for']).toBe('127.0.0.1')
  })

  it('preserves the client Host header in preserve mode', async () => {
    await send(preserve.url, '/host', { headers: { host: 'shop.example:8443' } })
    expect(lastReceived().headers.host).toBe('shop.example:8443')
  })

  it('sends the upstream host in upstream mode, keeping the original in X-Forwarded-Host', async () => {
    await send(upstreamHost.url, '/host', { headers: { host: 'shop.example' } })
    expect(lastReceived().headers.host).toBe(`127.0.0.1:${origin.port}`)
    expect(lastReceived().headers['x-forwarded-host']).toBe('shop.example')
  })

  it('keeps the spelling, order and repetitions of end-to-end request headers', async () => {
    await send(preserve.url, '/raw', { headers: ['Host', 'shop.example', 'X-First', '1', 'x-MiXeD', 'a', 'Accept', 'text/html', 'Accept', 'application/json'] })
    const raw = lastReceived()
    expect(raw.headers['x-mixed']).toBe('a')
    expect(raw.headers.accept).toBe('text/html, application/json')
    const names = lastRawHeaders.filter((_, i) => i % 2 === 0)
    expect(names.filter((n) => ['X-First', 'x-MiXeD', 'Accept'].includes(n))).toEqual(['X-First', 'x-MiXeD', 'Accept', 'Accept'])
  })

  it('relays the repeated response headers as separate lines', async () => {
    const res = await send(preserve.url, '/raw')
    expect(rawHeaderValues(res.rawHeaders, 'content-length')).toEqual(['2'])
  })
})
