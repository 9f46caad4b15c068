// Claims of SECURITY.md, section "Admin API".
import { parseConfig, validateConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { request } from 'node:http'
import { connect } from 'node:net'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { adminAccessAllowed, tokenMatches } from '../../gateway/src/admin/admin-auth.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'

const TOKEN = 'adm-7f3c9e1b5d2a8c4e6f0a'

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

async function call(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(5_000) })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

/** A request with exactly these headers (fetch would set Host itself); Host and Origin included. */
function rawCall(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, setHost: !('host' in headers), timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const h = new Headers()
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v)
        resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString() })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)))
    req.on('error', reject)
    req.end(body)
  })
}

describe('admin API access', () => {
  let primary: TestServer
  const services: GatewayService[] = []

  beforeAll(async () => {
    primary = await startServer((req, res) => {
      res.end(`primary saw ${req.method} ${req.url}`)
    })
  })
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close()
  })
  afterAll(async () => {
    await primary?.close()
  })

  function config(admin: string): ShadowgateConfig {
    return parseConfig(`
primary: ${primary.url}
listen: { host: 127.0.0.1, port: 0 }
admin: ${admin}
routes:
  - name: api
    match: /api/*
`)
  }

  async function start(cfg: ShadowgateConfig): Promise<{ traffic: string; admin: string; service: GatewayService }> {
    const service = await createGatewayService(cfg, { logger: pino({ level: 'silent' }) })
    services.push(service)
    const addr = await service.listen()
    return { traffic: addr.traffic, admin: addr.admin ?? '', service }
  }

  describe('with admin.token', () => {
    const protectedCalls: [string, string, string | undefined][] = [
      ['GET', '/metrics', undefined],
      ['GET', '/routes', undefined],
      ['GET', '/routes/api', undefined],
      ['PUT', '/routes/api/mirror', '{"percent": 50}'],
      ['DELETE', '/routes/api/mirror', undefined],
      // Unknown paths are refused before routing: no endpoint enumeration without the token.
      ['GET', '/no-such-endpoint', undefined],
    ]
    const wrongCredentials: [string, Record<string, string>][] = [
      ['no Authorization header', {}],
      ['a wrong token', { authorization: 'Bearer wrong' }],
      ['the token plus one character', { authorization: `Bearer ${TOKEN}x` }],
      ['the token minus its last character', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
      ['the token in upper case', { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
      ['the token without a scheme', { authorization: TOKEN }],
      ['the token under Basic', { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }],
      ['the token under another scheme', { authorization: `Token ${TOKEN}` }],
      ['the token in another header', { 'x-api-key': TOKEN, 'x-shadowgate-token': TOKEN }],
      ['the token in a cookie', { cookie: `token=${TOKEN}` }],
    ]

    it.each(protectedCalls)('refuses %s %s without the token, from loopback too', async (method, path, body) => {
      const { admin } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      for (const [what, headers] of wrongCredentials) {
        const res = await call(admin, method, path, { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body)
        expect({ what, status: res.status }).toEqual({ what, status: 401 })
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
        expect(JSON.parse(res.text)).toEqual({ error: { code: 'SG_ADMIN_UNAUTHORIZED', message: 'a valid bearer token is required' } })
      }
      // A token in the query string is not a credential either.
      const query = await call(admin, method, `${path}?token=${TOKEN}&access_token=${TOKEN}`)
      expect(query.status).toBe(401)
    })

    it('changes nothing for a refused write', async () => {
      const { admin } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      const refused = await call(admin, 'PUT', '/routes/api/mirror', { authorization: 'Bearer wrong', 'content-type': 'application/json' }, '{"percent": 100}')
      expect(refused.status).toBe(401)
      const view = await call(admin, 'GET', '/routes/api', { authorization: `Bearer ${TOKEN}` })
      expect(JSON.parse(view.text)).toMatchObject({ route: { percent: 0, updatedBy: null } })
    })

    it('serves the right token (scheme case-insensitive) and records a sanitised actor', async () => {
      const { admin } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      expect((await call(admin, 'GET', '/routes', { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
      expect((await call(admin, 'GET', '/metrics', { authorization: `bearer ${TOKEN}` })).status).toBe(200)
      const change = await call(admin, 'PUT', '/routes/api/mirror', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-shadowgate-actor': 'eve<script>"; drop' }, '{"percent": 0}')
      expect(change.status).toBe(200)
      expect(JSON.parse(change.text)).toMatchObject({ change: { by: 'evescriptdrop@127.0.0.1' } })
    })

    it('leaves /healthz and /readyz open, revealing only up/down', async () => {
      const { admin } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      const health = await call(admin, 'GET', '/healthz')
      expect([health.status, JSON.parse(health.text)]).toEqual([200, { status: 'ok' }])
      const ready = await call(admin, 'GET', '/readyz')
      expect([ready.status, JSON.parse(ready.text)]).toEqual([200, { ready: true, runtimeStore: 'disabled' }])
    })

    it('is not reachable through the traffic listener: admin paths there are proxied to the primary', async () => {
      const { traffic } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      const res = await call(traffic, 'GET', '/routes', { authorization: `Bearer ${TOKEN}` })
      expect([res.status, res.text]).toEqual([200, 'primary saw GET /routes'])
    })

    it('compares tokens in constant time over SHA-256 digests (any length, never throwing)', () => {
      expect(tokenMatches(TOKEN, TOKEN)).toBe(true)
      expect(tokenMatches('', TOKEN)).toBe(false)
      expect(tokenMatches('x'.repeat(10_000), TOKEN)).toBe(false)
      expect(tokenMatches(TOKEN.slice(0, 5), TOKEN)).toBe(false)
    })
  })

  describe('without admin.token', () => {
    it('serves loopback callers only', async () => {
      const { admin } = await start(config('{ host: 127.0.0.1, port: 0 }'))
      expect((await call(admin, 'GET', '/routes')).status).toBe(200)
      // Non-loopback peers cannot be produced over 127.0.0.1; the rule applied to their addresses:
      expect(adminAccessAllowed(undefined, undefined, '10.0.0.7')).toBe(false)
      expect(adminAccessAllowed(undefined, 'Bearer anything', '192.168.1.20')).toBe(false)
      expect(adminAccessAllowed(undefined, undefined, '::ffff:10.0.0.7')).toBe(false)
      expect(adminAccessAllowed(undefined, undefined, '::ffff:127.0.0.1')).toBe(true)
      expect(adminAccessAllowed(undefined, undefined, undefined)).toBe(false)
    })

    it.each(['0.0.0.0', '::', '10.0.0.7', '127.0.0.2'])('refuses to start with admin.host %s and no token', (host) => {
      expect(() => validateConfig({ primary: 'http://127.0.0.1:9', admin: { host } })).toThrow(/^admin\.token is required when admin\.host is not a loopback address/)
    })

    it('allows a non-loopback admin.host with a token, and admin.enabled: false opens no admin listener', async () => {
      expect(validateConfig({ primary: 'http://127.0.0.1:9', admin: { host: '0.0.0.0', token: TOKEN } }).admin.host).toBe('0.0.0.0')
      const { service } = await start(config('{ enabled: false, host: 0.0.0.0 }'))
      expect(service.admin).toBeUndefined()
    })
  })

  // Regression: "DNS rebinding": without a token, a PUT with `Host: rebind.example:PORT` and a
  // matching Origin, sent from a browser on the operator's machine, changed the mirror percent.
  describe('DNS rebinding: Host and Origin', () => {
    const json = { 'content-type': 'application/json' }
    it.each([
      ['a token-less listener', '{ host: 127.0.0.1, port: 0 }', {}],
      ['a token listener, with the right token', `{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`, { authorization: `Bearer ${TOKEN}` }],
    ])('on %s, refuses a foreign Host and any Origin, and changes nothing', async (_what, admin, auth) => {
      const { admin: base } = await start(config(admin))
      const port = new URL(base).port
      const foreign: [string, Record<string, string>, string][] = [
        ['a rebound name', { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` }, 'SG_ADMIN_HOST_NOT_ALLOWED'],
        ['a rebound name, no Origin', { host: `rebind.example:${port}` }, 'SG_ADMIN_HOST_NOT_ALLOWED'],
        ['a name ending like localhost', { host: `evil-localhost:${port}` }, 'SG_ADMIN_HOST_NOT_ALLOWED'],
        ['a loopback Host with a foreign Origin', { host: `127.0.0.1:${port}`, origin: 'http://rebind.example' }, 'SG_ADMIN_ORIGIN_NOT_ALLOWED'],
        ['a loopback Host with a loopback Origin', { host: `localhost:${port}`, origin: `http://localhost:${port}` }, 'SG_ADMIN_ORIGIN_NOT_ALLOWED'],
        ['Origin null (sandboxed page)', { host: `127.0.0.1:${port}`, origin: 'null' }, 'SG_ADMIN_ORIGIN_NOT_ALLOWED'],
      ]
      for (const [what, headers, code] of foreign) {
        for (const [method, path, body] of [['PUT', '/routes/api/mirror', '{"percent": 100}'], ['GET', '/routes', undefined], ['GET', '/metrics', undefined], ['GET', '/nope', undefined]] as const) {
          const res = await rawCall(base, method, path, { ...auth, ...headers, ...(body ? json : {}) }, body)
          expect({ what, path, status: res.status }).toEqual({ what, path, status: 403 })
          expect(JSON.parse(res.text)).toEqual({ error: { code, message: expect.stringMatching(code === 'SG_ADMIN_HOST_NOT_ALLOWED' ? /^Host ".*" does not name this listener; add the name to admin\.allowedHosts/ : /^Origin ".*" is not allowed; add it to admin\.allowedOrigins/) } })
        }
      }
      const view = await rawCall(base, 'GET', '/routes/api', { ...auth, host: `127.0.0.1:${port}` })
      expect(JSON.parse(view.text)).toMatchObject({ route: { percent: 0, updatedBy: null } })
    })

    it('serves loopback names and addresses, the bound address, and admin.allowedHosts / allowedOrigins', async () => {
      const { admin: base } = await start(config('{ host: 127.0.0.1, port: 0, allowedHosts: [admin.internal, .ops.example], allowedOrigins: ["https://console.ops.example"] }'))
      const port = new URL(base).port
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`, '127.0.0.2', `admin.internal:${port}`, 'ops.example', 'a.ops.example']) {
        expect({ host, status: (await rawCall(base, 'GET', '/routes', { host })).status }).toEqual({ host, status: 200 })
      }
      for (const host of ['admin.internal.evil', 'xops.example', '', 'a b']) {
        expect({ host, status: (await rawCall(base, 'GET', '/routes', { host })).status }).toEqual({ host, status: 403 })
      }
      const allowed = await rawCall(base, 'PUT', '/routes/api/mirror', { host: 'admin.internal', origin: 'https://console.ops.example', ...json }, '{"percent": 5}')
      expect(allowed.status).toBe(200)
    })

    it('leaves /healthz and /readyz open to any Host (load balancers probe by address or by name)', async () => {
      const { admin: base } = await start(config('{ host: 127.0.0.1, port: 0 }'))
      expect((await rawCall(base, 'GET', '/healthz', { host: 'lb-probe.example' })).status).toBe(200)
      expect((await rawCall(base, 'GET', '/readyz', { host: 'lb-probe.example', origin: 'http://x.example' })).status).toBe(200)
    })

    it('refuses bad allow-list entries at start-up, naming the key', () => {
      expect(() => validateConfig({ primary: 'http://127.0.0.1:9', admin: { allowedHosts: ['http://admin.internal'] } })).toThrow(/^admin\.allowedHosts\[0\] must be a host name/)
      expect(() => validateConfig({ primary: 'http://127.0.0.1:9', admin: { allowedOrigins: ['https://ops.example/path'] } })).toThrow(/^admin\.allowedOrigins\[0\] must be an origin/)
      expect(() => validateConfig({ primary: 'http://127.0.0.1:9', admin: { allowedOrigins: ['*'] } })).toThrow(/^admin\.allowedOrigins\[0\] must be an origin/)
      expect(validateConfig({ primary: 'http://127.0.0.1:9', admin: { allowedOrigins: ['HTTPS://Ops.Example:443'] } }).admin.allowedOrigins).toEqual(['https://ops.example'])
      expect(() => validateConfig({ primary: 'http://127.0.0.1:9', worker: { http: { allowedHosts: ['audit.internal:9902'] } } })).toThrow(/^worker\.http\.allowedHosts\[0\] must be a host name/)
      expect(validateConfig({ primary: 'http://127.0.0.1:9', worker: { http: { allowedHosts: ['Audit.Internal', '.corp.example', '*'] } } }).worker.http.allowedHosts).toEqual(['audit.internal', '.corp.example', '*'])
      expect(validateConfig({ primary: 'http://127.0.0.1:9' }).admin).toMatchObject({ allowedHosts: [], allowedOrigins: [] })
    })
  })

  // Regression: "/routes/<200 chars> answered 414 without a token" and "a bad percent-encoding
  // answered in Fastify's own shape": access is checked first, and every refusal has the product's shape.
  describe('auth before routing, one error shape', () => {
    it.each([
      ['an overlong route name', 414, 'SG_ADMIN_URL_TOO_LONG', 'GET', `/routes/${'a'.repeat(200)}`],
      ['a bad percent-encoding', 400, 'SG_ADMIN_BAD_URL', 'GET', '/routes/%zz'],
      ['a bad percent-encoding at the root', 400, 'SG_ADMIN_BAD_URL', 'GET', '/%E0%A4%A'],
      ['an unknown path', 404, 'SG_ADMIN_NOT_FOUND', 'GET', '/nope'],
    ])('%s: 401 without the token, %i %s with it', async (_what, status, code, method, path) => {
      const { admin } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      const refused = await rawCall(admin, method, path, {})
      expect(refused.status).toBe(401)
      expect(JSON.parse(refused.text)).toEqual({ error: { code: 'SG_ADMIN_UNAUTHORIZED', message: 'a valid bearer token is required' } })
      const answered = await rawCall(admin, method, path, { authorization: `Bearer ${TOKEN}` })
      expect(answered.status).toBe(status)
      expect(JSON.parse(answered.text)).toEqual({ error: { code, message: expect.any(String) } })
    })

    it.each([
      ['a body over 16 KiB', 413, 'SG_ADMIN_BODY_TOO_LARGE', 'application/json', `{"percent": 1, "pad": "${'x'.repeat(20_000)}"}`],
      ['an unsupported media type', 415, 'SG_ADMIN_UNSUPPORTED_MEDIA_TYPE', 'application/xml', '<percent>1</percent>'],
      ['invalid JSON', 400, 'SG_INVALID_SETTING', 'application/json', '{"percent":'],
      ['an empty JSON body', 400, 'SG_INVALID_SETTING', 'application/json', ''],
    ])('answers %s with %i %s', async (_what, status, code, contentType, body) => {
      const { admin } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      const res = await rawCall(admin, 'PUT', '/routes/api/mirror', { authorization: `Bearer ${TOKEN}`, 'content-type': contentType }, body)
      expect(res.status).toBe(status)
      expect(JSON.parse(res.text)).toEqual({ error: { code, message: expect.any(String) } })
    })

    it('answers a request the HTTP parser refuses in the same shape', async () => {
      const { admin } = await start(config(`{ host: 127.0.0.1, port: 0, token: ${TOKEN} }`))
      const { port } = new URL(admin)
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET /routes HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n'))
        const chunks: Buffer[] = []
        socket.on('data', (c: Buffer) => chunks.push(c))
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()))
        socket.on('error', reject)
        socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')))
      })
      expect(text).toMatch(/^HTTP\/1\.1 400 /)
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'SG_BAD_REQUEST', message: expect.stringMatching(/^malformed HTTP request/) } })
    })
  })
})
