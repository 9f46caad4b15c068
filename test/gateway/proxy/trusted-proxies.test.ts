import { validateConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type ReceivedRequest, type TestServer } from '@shadowgate/dev-helpers'
import { TrustedProxies } from '../../../gateway/src/proxy/trusted-proxies.js'
import { send, startGateway, type RunningGateway } from './gateway-fixture.js'

const FORWARDING = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'] as const

function forwarding(r: ReceivedRequest | undefined): Record<string, unknown> {
  return Object.fromEntries(FORWARDING.map((h) => [h, r?.headers[h]]))
}

const FROM_LOAD_BALANCER = {
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'shop.example',
  forwarded: 'for=203.0.113.7;proto=https;host=shop.example',
}

// Regression: behind a TLS load balancer the application saw X-Forwarded-Proto: http (the gateway
// replaced it for every peer), and there was no way to say which peers may set forwarding headers.
describe('proxy.trustedProxies: forwarding headers from trusted peers are kept, from others replaced', () => {
  let primary: TestServer
  let shadow: TestServer
  let trusting: RunningGateway
  let untrusting: RunningGateway

  beforeAll(async () => {
    primary = await startServer((_req, res) => void res.end('primary'))
    shadow = await startServer((_req, res) => void res.end('shadow'))
    const routes = [{ name: 'all', match: '/*', mirror: { percent: 100 } }]
    trusting = await startGateway({ primary: primary.url, shadow: shadow.url, routes, proxy: { trustedProxies: ['10.0.0.0/8', '127.0.0.0/8'] } })
    untrusting = await startGateway({ primary: primary.url, shadow: shadow.url, routes, proxy: { trustedProxies: ['10.0.0.0/8', 'fd00::/8'] } })
  })
  afterAll(async () => {
    await trusting?.close()
    await untrusting?.close()
    await primary?.close()
    await shadow?.close()
  })

  async function through(gateway: RunningGateway, path: string): Promise<{ primary: Record<string, unknown>; shadow: Record<string, unknown> }> {
    expect((await send(gateway.url, path, { headers: { host: 'gw.internal', ...FROM_LOAD_BALANCER } })).status).toBe(200)
    await waitFor(() => shadow.received.some((r) => r.url === path), 5_000, `the copy of ${path}`)
    return { primary: forwarding(primary.received.find((r) => r.url === path)), shadow: forwarding(shadow.received.find((r) => r.url === path)) }
  }

  it('keeps Proto, Host and Forwarded and appends to X-Forwarded-For from a trusted peer, for the primary and the copy alike', async () => {
    const seen = await through(trusting, '/trusted')
    expect(seen.primary).toEqual({ ...FROM_LOAD_BALANCER, 'x-forwarded-for': '203.0.113.7, 127.0.0.1' })
    expect(seen.shadow).toEqual(seen.primary)
  })

  it('replaces them with what the gateway saw from any other peer, for the primary and the copy alike', async () => {
    const seen = await through(untrusting, '/untrusted')
    expect(seen.primary).toEqual({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'gw.internal', forwarded: undefined })
    expect(seen.shadow).toEqual(seen.primary)
  })
})

describe('TrustedProxies', () => {
  it.each([
    [['10.0.0.0/8'], '10.1.2.3', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['10.0.0.0/8'], '::ffff:10.1.2.3', true],
    [['192.0.2.1'], '192.0.2.1', true],
    [['192.0.2.1'], '192.0.2.2', false],
    [['fd00::/8'], 'fd12::1', true],
    [['fd00::/8'], 'fe80::1', false],
    [['::1'], '::1', true],
    [[], '127.0.0.1', false],
    [['0.0.0.0/0'], 'not-an-address', false],
  ] as const)('%j trusts %s: %s', (cidrs, address, expected) => {
    expect(new TrustedProxies(cidrs).trusts(address)).toBe(expected)
  })

  it('rejects entries that are not addresses or CIDRs, naming the key', () => {
    expect(validateConfig({ primary: 'http://127.0.0.1:1' }).proxy.trustedProxies).toEqual([])
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', proxy: { trustedProxies: ['10.0.0.0/33'] } })).toThrow(/proxy\.trustedProxies\[0\].*prefix length "\/33"/)
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', proxy: { trustedProxies: ['10.0.0.0/8', 'lb.internal'] } })).toThrow(/proxy\.trustedProxies\[1\].*IPv4 or IPv6/)
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', proxy: { trustedProxies: ['fd00::/129'] } })).toThrow(/0-128 for IPv6/)
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', proxy: { trustedProxies: '10.0.0.0/8' } })).toThrow(/proxy\.trustedProxies.*list of strings/)
  })
})
