import { hostHeaderName, hostOriginRefusal, type HostOriginRules } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'

// Regression: "DNS rebinding": the rule both operator listeners apply before anything else.
describe('hostOriginRefusal', () => {
  const rules = (over: Partial<HostOriginRules> = {}): HostOriginRules => ({ boundHost: '127.0.0.1', allowedHosts: [], allowedOrigins: [], ...over })
  const check = (host: string | undefined, r: HostOriginRules = rules(), extra: { origin?: string; localAddress?: string } = {}) =>
    hostOriginRefusal({ host, origin: extra.origin, localAddress: extra.localAddress }, r)?.refused

  it.each(['127.0.0.1:9901', '127.0.0.1', '127.8.9.10:1', 'localhost', 'LocalHost:9901', 'localhost.:9901', '[::1]:9901', '[::ffff:127.0.0.1]'])('serves the loopback Host %s', (host) => {
    expect(check(host)).toBeUndefined()
  })

  it.each(['rebind.example:9901', 'localhost.rebind.example', '127.0.0.1.nip.io', 'evil-localhost', '10.0.0.7', '[::2]', '::1', 'a b', '', 'host:port'])('refuses the Host %j', (host) => {
    expect(check(host)).toBe('host')
  })

  it('refuses a request without Host', () => {
    expect(hostOriginRefusal({ host: undefined, origin: undefined, localAddress: '127.0.0.1' }, rules())).toEqual({ refused: 'host', message: 'no Host header does not name this listener; add the name to allowedHosts to serve it' })
  })

  it('serves the bound address and the address the connection arrived on, never a wildcard', () => {
    expect(check('10.0.0.7:9901', rules({ boundHost: '10.0.0.7' }))).toBeUndefined()
    expect(check('10.0.0.8', rules({ boundHost: '0.0.0.0' }), { localAddress: '::ffff:10.0.0.8' })).toBeUndefined()
    expect(check('[fd00::1]:9901', rules({ boundHost: '::' }), { localAddress: 'fd00::1' })).toBeUndefined()
    expect(check('0.0.0.0', rules({ boundHost: '0.0.0.0' }))).toBe('host')
  })

  it('serves allowedHosts: exact names, ".domain" for the domain and its subdomains, "*" for any', () => {
    const r = rules({ allowedHosts: ['admin.internal', '.ops.example'] })
    expect(check('admin.internal:9901', r)).toBeUndefined()
    expect(check('ops.example', r)).toBeUndefined()
    expect(check('a.b.ops.example', r)).toBeUndefined()
    expect(check('xops.example', r)).toBe('host')
    expect(check('admin.internal.evil', r)).toBe('host')
    expect(check('anything.example', rules({ allowedHosts: ['*'] }))).toBeUndefined()
  })

  it('refuses every Origin not listed, case-insensitively compared', () => {
    const r = rules({ allowedOrigins: ['https://console.ops.example'] })
    expect(check('localhost', r, { origin: 'https://Console.Ops.Example' })).toBeUndefined()
    expect(check('localhost', r, { origin: 'https://console.ops.example:8443' })).toBe('origin')
    expect(check('localhost', r, { origin: 'null' })).toBe('origin')
    expect(check('localhost', rules(), { origin: 'http://localhost:9901' })).toBe('origin')
  })

  it('reads Host headers', () => {
    expect(hostHeaderName('[::1]:80')).toBe('::1')
    expect(hostHeaderName('Example.COM.')).toBe('example.com')
    expect(hostHeaderName('a:b')).toBeUndefined()
  })
})
