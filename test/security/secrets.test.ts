// Claims of SECURITY.md, section "Secrets in the configuration".
import { Writable } from 'node:stream'
import { parseConfig } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { maskUrlCredentials } from '../../shared/src/config/mask-url-credentials.js'
import { createGatewayService } from '../../gateway/src/server/gateway-service.js'
import { CliProcess, runCli } from '../gateway/cli/cli-process.js'
import { configDir } from '../gateway/cli/cli-config-file.js'
import { send } from '../gateway/proxy/gateway-fixture.js'
import { waitFor, startServer, type TestServer, startRedis, type TestRedis } from '@shadowgate/dev-helpers'

const ADMIN_TOKEN = 'tok-5b8e2f71c94a0d36'
const REDIS_PASSWORD = 'pw-c0a7e4193bd8f265'
const SECRETS = [ADMIN_TOKEN, REDIS_PASSWORD]

function expectNoSecrets(text: string, where: string): void {
  for (const secret of SECRETS) expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false })
}

/** A pino logger at trace level whose output is kept as text. */
function capturedLogger(): { logger: pino.Logger; text: () => string } {
  let out = ''
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString()
      done()
    },
  })
  return { logger: pino({ level: 'trace' }, stream), text: () => out }
}

const CONFIG_YAML = (primary: string, shadow: string): string => `
primary: ${primary}
shadow: ${shadow}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: "\${SG_SECRETS_ADMIN_TOKEN}" }
redis: { url: "\${SG_SECRETS_REDIS_URL}", prefix: secrets }
routes:
  - name: api
    match: /api/*
    mirror: { percent: 100 }
`

describe('secrets in the configuration are never printed', () => {
  let redis: TestRedis
  let primary: TestServer
  let shadow: TestServer
  let env: Record<string, string>

  beforeAll(async () => {
    redis = await startRedis()
    const setup = new Redis(redis.url, { maxRetriesPerRequest: 1 })
    await setup.config('SET', 'requirepass', REDIS_PASSWORD)
    setup.disconnect()
    primary = await startServer((_req, res) => {
      res.end('{"ok":true}')
    })
    shadow = await startServer((_req, res) => {
      res.end('{"ok":true}')
    })
    env = { SG_SECRETS_ADMIN_TOKEN: ADMIN_TOKEN, SG_SECRETS_REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}` }
  })
  afterAll(async () => {
    await primary?.close()
    await shadow?.close()
    await redis?.close()
  })

  it('createGatewayService: not in the logs (trace level), GET /routes, /metrics or admin errors', async () => {
    const { logger, text } = capturedLogger()
    const config = parseConfig(CONFIG_YAML(primary.url, shadow.url), env)
    const service = await createGatewayService(config, { logger })
    try {
      const addr = await service.listen()
      const admin = addr.admin ?? ''
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
      const routes = await fetch(`${admin}/routes`, { headers: auth })
      expect(routes.status).toBe(200)
      expectNoSecrets(await routes.text(), 'GET /routes')
      expectNoSecrets(await (await fetch(`${admin}/metrics`, { headers: auth })).text(), 'GET /metrics')
      // A wrong credential that happens to be the other secret: refused, and never echoed or logged.
      const refused = await fetch(`${admin}/routes`, { headers: { authorization: `Bearer ${REDIS_PASSWORD}` } })
      expect(refused.status).toBe(401)
      expectNoSecrets(await refused.text(), 'a refused admin call')
      const change = await fetch(`${admin}/routes/api/mirror`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"percent": 100, "ttl": "10m"}' })
      expectNoSecrets(await change.text(), 'PUT /routes/api/mirror')
      // Traffic through the gateway, with capture on: Redis is used with the password.
      expect((await send(addr.traffic, '/api/x', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200)
      await waitFor(() => shadow.received.some((r) => r.url === '/api/x'), 5_000, 'the copy')
    } finally {
      await service.close()
    }
    expect(text()).toContain('"level":') // the capture works: there are log lines to search
    expectNoSecrets(text(), 'the gateway log')
    // No access logs: the request path never shows up, even at trace level.
    expect(text()).not.toContain('/api/x')
  })

  it('credentials written into an upstream URL are shown in GET /routes and never sent upstream', async () => {
    const withUserInfo = primary.url.replace('http://', 'http://svc:upstream-pw@')
    const config = parseConfig(CONFIG_YAML(withUserInfo, shadow.url), env)
    const service = await createGatewayService(config, { logger: pino({ level: 'silent' }) })
    try {
      const addr = await service.listen()
      const routes = await (await fetch(`${addr.admin ?? ''}/routes`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
      expect(routes).toContain('svc:upstream-pw@')
      expect((await send(addr.traffic, '/api/userinfo')).status).toBe(200)
      const got = primary.received.find((r) => r.url === '/api/userinfo')
      expect(got?.headers.authorization).toBeUndefined()
      expect(JSON.stringify(got?.headers)).not.toContain('upstream-pw')
    } finally {
      await service.close()
    }
  })

  it('createGatewayService with a wrong Redis password: the connection errors are logged without it', async () => {
    const { logger, text } = capturedLogger()
    const wrong = 'wrong-pw-91e0c3a7'
    const config = parseConfig(CONFIG_YAML(primary.url, shadow.url), { ...env, SG_SECRETS_REDIS_URL: `redis://:${wrong}@127.0.0.1:${redis.port}` })
    const service = await createGatewayService(config, { logger })
    try {
      await service.listen()
      await waitFor(() => /WRONGPASS|NOAUTH|unavailable/i.test(text()), 5_000, 'the Redis authentication failure to be logged')
    } finally {
      await service.close()
    }
    expect(text()).not.toContain(wrong)
    expectNoSecrets(text(), 'the gateway log')
  })

  it('the shadowgate CLI: nothing in its output from start to shutdown', async () => {
    const dir = await configDir()
    try {
      const file = await dir.write('shadowgate.yaml', CONFIG_YAML(primary.url, shadow.url))
      const cli = new CliProcess(['gateway', '--config', file, '--log-level', 'debug'], env)
      try {
        await waitFor(() => cli.lines.some((l) => l['msg'] === 'shadowgate gateway listening') || cli.exited, 20_000, `the gateway to listen (${cli.output})`)
        expect(cli.exited).toBe(false)
      } finally {
        expect(await cli.stop()).toBe(0)
      }
      expectNoSecrets(cli.output, 'the CLI output')
    } finally {
      await dir.remove()
    }
  })

  it.each([
    ['redis.url with the wrong scheme', { SG_SECRETS_REDIS_URL: `http://:${REDIS_PASSWORD}@127.0.0.1:6379` }, /^redis\.url must be a redis:\/\/ or rediss:\/\/ URL \(got "http:\/\/\*\*\*@127\.0\.0\.1:6379"\)$/],
    ['an unset variable', { SG_SECRETS_REDIS_URL: undefined }, /SG_SECRETS_REDIS_URL, which is not set/],
  ])('config errors name the key, not the secret: %s', (_what, override, message) => {
    const broken = { ...env, ...override }
    expect(() => parseConfig(CONFIG_YAML('http://127.0.0.1:9', 'http://127.0.0.1:10'), broken)).toThrow(message)
    try {
      parseConfig(CONFIG_YAML('http://127.0.0.1:9', 'http://127.0.0.1:10'), broken)
    } catch (err) {
      expectNoSecrets(String((err as Error).message), 'the config error')
    }
  })

  it('maskUrlCredentials hides user information, however malformed the URL', () => {
    expect(maskUrlCredentials('redis://:pw@host:6379/0')).toBe('redis://***@host:6379/0')
    expect(maskUrlCredentials('http://user:p@ss/w#rd@host')).toBe('http://***@host')
    expect(maskUrlCredentials('http://host:80/path')).toBe('http://host:80/path')
  })

  it('config errors quoting a malformed upstream URL mask its credentials (maskUrlCredentials)', () => {
    const yaml = CONFIG_YAML(`"http://user:${REDIS_PASSWORD}@bad host:80"`, 'http://127.0.0.1:10')
    expect(() => parseConfig(yaml, env)).toThrow(/^primary must be an absolute http:\/\/ or https:\/\/ URL \(got "http:\/\/\*\*\*@bad host:80"\)$/)
  })

  it('the CLI prints a config error without the secret', async () => {
    const dir = await configDir()
    try {
      const file = await dir.write('bad.yaml', CONFIG_YAML(primary.url, shadow.url))
      const res = await runCli(['gateway', '--config', file], { env: { ...env, SG_SECRETS_REDIS_URL: `http://:${REDIS_PASSWORD}@127.0.0.1:6379` } })
      expect(res.code).toBe(2)
      expect(res.stderr + res.stdout).toContain('config error: redis.url must be a redis:// or rediss:// URL')
      expectNoSecrets(res.stderr + res.stdout, 'the CLI config error')
    } finally {
      await dir.remove()
    }
  })
})
