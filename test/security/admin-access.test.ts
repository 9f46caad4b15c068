// Claims of SECURITY.md, section "Admin API".
import { parseConfig, validateConfig, type ShadowgateConfig } from '@shadowgate/shared'
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
})
