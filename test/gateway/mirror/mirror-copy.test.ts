import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

function* pieces(total: number, size: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), 97 + ((sent / size) % 26))
}

describe('mirror: what the copy carries and which requests are copied', () => {
  let origin: TestServer
  let shadow: TestServer
  let gateway: RunningGateway

  beforeAll(async () => {
    origin = await startServer((req, res) => void res.end(`primary:${req.method}:${req.body.length}`))
    shadow = await startServer((_req, res) => void res.end('shadow'))
    gateway = await startGateway({
      primary: origin.url,
      shadow: shadow.url,
      routes: [
        { name: 'reads', match: '/api/*', mirror: { percent: 100 } },
        {
          name: 'orders',
          match: '/orders/*',
          mirror: { percent: 100, methods: ['POST', 'PUT'], maxBodyBytes: 1_000, headers: { set: { 'X-Env': 'shadow', 'X-Replaced': 'new' }, remove: ['Authorization'] } },
        },
        { name: 'off', match: '/off/*', mirror: { percent: 0 } },
      ],
    })
  })
  afterAll(async () => {
    await gateway?.close()
    await origin?.close()
    await shadow?.close()
  })

  /** Sends a request that is surely mirrored and waits for its copy: copies skipped before it would have arrived by now. */
  async function sentinel(): Promise<void> {
    const tag = `/api/sentinel-${Math.random()}`
    await send(gateway.url, tag)
    await waitFor(() => shadow.received.some((r) => r.url === tag), 10_000, 'the sentinel copy')
  }

  it('copies a GET with the same method, raw URL and headers, plus forwarding headers and the marker', async () => {
    const url = '/api/items/7?q=%zz&sort=-price&&x'
    const res = await send(gateway.url, url, { headers: { host: 'shop.example', 'x-request-id': 'abc', cookie: 'sid=1', 'x-forwarded-for': '198.51.100.1' } })
    expect(res.body.toString()).toBe('primary:GET:0')
    await waitFor(() => shadow.received.some((r) => r.url === url), 10_000, 'the copy')
    const copy = shadow.received.find((r) => r.url === url)
    expect(copy?.method).toBe('GET')
    expect(copy?.headers).toMatchObject({
      host: 'shop.example',
      'x-request-id': 'abc',
      cookie: 'sid=1',
      // The client is no trusted proxy: its X-Forwarded-For is replaced, as for the primary.
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-shadowgate-mirror': '1',
    })
    expect(origin.received.find((r) => r.url === url)?.headers['x-shadowgate-mirror']).toBeUndefined()
  })

  it('copies a write the rule opts into, with the exact body and the header rewrites', async () => {
    const body = JSON.stringify({ sku: 'A-1', qty: 2, note: 'ünïcødé' })
    await send(gateway.url, '/orders/1', { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer secret', 'x-replaced': 'old' } })
    await waitFor(() => shadow.received.some((r) => r.url === '/orders/1'), 10_000, 'the copy')
    const copy = shadow.received.find((r) => r.url === '/orders/1')
    expect(copy?.body.toString()).toBe(body)
    expect(copy?.headers['content-type']).toBe('application/json')
    expect(copy?.headers['x-env']).toBe('shadow')
    expect(copy?.headers['x-replaced']).toBe('new')
    expect(copy?.headers.authorization).toBeUndefined()
    expect(origin.received.find((r) => r.url === '/orders/1')?.headers.authorization).toBe('Bearer secret')
  })

  it('copies a chunked body that fits the limit, byte for byte', async () => {
    const expected = Buffer.concat([...pieces(900, 100)])
    await send(gateway.url, '/orders/chunked-small', { method: 'PUT', body: pieces(900, 100) })
    await waitFor(() => shadow.received.some((r) => r.url === '/orders/chunked-small'), 10_000, 'the copy')
    expect(shadow.received.find((r) => r.url === '/orders/chunked-small')?.body.equals(expected)).toBe(true)
  })

  it('skips bodies over the limit - by Content-Length upfront, or while a chunked body streams - and still serves them', async () => {
    const before = gateway.metrics.snapshot()['orders']?.notMirrored.body_too_large ?? 0
    const big = await send(gateway.url, '/orders/big', { method: 'POST', body: Buffer.alloc(2_000, 98) })
    expect(big.body.toString()).toBe('primary:POST:2000')
    const chunked = await send(gateway.url, '/orders/chunked-big', { method: 'POST', body: pieces(5_000, 256) })
    expect(chunked.body.toString()).toBe('primary:POST:5000')
    await sentinel()
    expect(shadow.received.some((r) => r.url === '/orders/big' || r.url === '/orders/chunked-big')).toBe(false)
    expect(gateway.metrics.snapshot()['orders']?.notMirrored.body_too_large).toBe(before + 2)
  })

  it('does not copy methods the rule does not allow', async () => {
    const res = await send(gateway.url, '/api/items', { method: 'POST', body: 'x' })
    expect(res.body.toString()).toBe('primary:POST:1')
    await send(gateway.url, '/orders/9', { method: 'DELETE' })
    await sentinel()
    expect(shadow.received.some((r) => r.method !== 'GET' && (r.url === '/api/items' || r.url === '/orders/9'))).toBe(false)
    expect(gateway.metrics.snapshot()['reads']?.notMirrored.method).toBe(1)
    expect(gateway.metrics.snapshot()['orders']?.notMirrored.method).toBe(1)
  })

  it('never copies a request that already carries the marker', async () => {
    await send(gateway.url, '/api/looped', { headers: { 'x-shadowgate-mirror': '1' } })
    await sentinel()
    expect(shadow.received.some((r) => r.url === '/api/looped')).toBe(false)
    expect(gateway.metrics.snapshot()['reads']?.notMirrored.loop).toBe(1)
  })

  it('counts requests outside the sample and requests matching no rule', async () => {
    await send(gateway.url, '/off/1')
    await send(gateway.url, '/nowhere')
    expect(origin.received.some((r) => r.url === '/nowhere')).toBe(true)
    const snap = gateway.metrics.snapshot()
    expect(snap['off']).toMatchObject({ requests: 1, mirrored: 0 })
    expect(snap['off']?.notMirrored.not_sampled).toBe(1)
    expect(snap['(unmatched)']?.notMirrored.no_route).toBe(1)
  })

  it('counts every request under exactly one outcome', async () => {
    await sentinel()
    for (const [route, c] of Object.entries(gateway.metrics.snapshot())) {
      const reasons = Object.values(c.notMirrored).reduce((a, b) => a + b, 0)
      expect(c.mirrored + reasons, route).toBe(c.requests)
    }
  })
})
