import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, validateConfig, DEFAULT_MIRROR_METHODS, DEFAULT_MAX_IN_FLIGHT } from '@shadowgate/shared'

const MINIMAL = { primary: 'http://127.0.0.1:3000' }

function errorOf(raw: unknown): ConfigError {
  try {
    validateConfig(raw)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('validateConfig', () => {
  it('fills in defaults and freezes the result', () => {
    const cfg = validateConfig({ ...MINIMAL, shadow: 'http://127.0.0.1:3001/', routes: [{ name: 'products', match: '/products/:id', mirror: { percent: 25 } }] })
    expect(cfg.listen).toEqual({ host: '0.0.0.0', port: 8080 })
    expect(cfg.admin).toMatchObject({ host: '127.0.0.1', port: 9901, enabled: true })
    expect(cfg.shadow).toBe('http://127.0.0.1:3001')
    const route = cfg.routes[0]
    expect(route?.mirror.methods).toEqual(DEFAULT_MIRROR_METHODS)
    expect(route?.primary).toBe('http://127.0.0.1:3000')
    expect(route?.shadow).toBe('http://127.0.0.1:3001')
    expect(route?.audit.percent).toBe(100)
    expect(route?.audit.compareHeaders).toEqual(['content-type'])
    expect(cfg.mirror.maxInFlight).toBe(DEFAULT_MAX_IN_FLIGHT)
    expect(Object.isFrozen(cfg)).toBe(true)
    expect(Object.isFrozen(cfg.routes[0]?.mirror)).toBe(true)
  })

  it.each([
    [{ routes: [{ name: 'a', match: '/a' }] }, 'primary', 'is required'],
    [{ primary: 'ftp://x' }, 'primary', 'must use http:// or https://'],
    [{ ...MINIMAL, shadow: 'not a url' }, 'shadow', 'must be an absolute http:// or https:// URL'],
    [{ ...MINIMAL, shadow: 'http://s', routes: [{ name: 'a', match: '/a' }, { name: 'b', match: '/b' }, { name: 'c', match: '/c', mirror: { percent: 101 } }] }, 'routes[2].mirror.percent', 'must be between 0 and 100'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: 'a' }] }, 'routes[0].match', 'must start with "/"'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a/*/b' }] }, 'routes[0].match', 'may use "*" only as the last segment'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a' }, { name: 'a', match: '/b' }] }, 'routes[1].name', 'must be unique'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', mirror: { percent: 5 } }] }, 'routes[0].shadow', 'is required when mirror.percent is above 0'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', methods: ['FETCH'] }] }, 'routes[0].methods[0]', 'must be an HTTP method'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', mirror: { sticky: 'user' } }] }, 'routes[0].mirror.sticky', 'must be header:<name>'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', mirror: { percnt: 5 } }] }, 'routes[0].mirror.percnt', 'is not a known option'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', audit: { ignore: ['$.items['] } }] }, 'routes[0].audit.ignore[0]', 'is not a valid field path'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', audit: { ignore: ['items.ts'] } }] }, 'routes[0].audit.ignore[0]', 'must start with "$"'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', audit: { arrays: { '$.list': 'sorted' } } }] }, 'routes[0].audit.arrays."$.list"', 'must be ordered, unordered or keyed:<field>'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', audit: { tolerance: { '$.price': { relative: 2 } } } }] }, 'routes[0].audit.tolerance."$.price".relative', 'must be between 0 and 1'],
    [{ ...MINIMAL, admin: { host: '0.0.0.0' } }, 'admin.token', 'is required when admin.host is not a loopback address'],
    [{ ...MINIMAL, listen: { port: 70000 } }, 'listen.port', 'must be between 0 and 65535'],
    [{ ...MINIMAL, mirror: { timeout: 'soon' } }, 'mirror.timeout', 'must be a duration'],
    [{ ...MINIMAL, redis: 'http://r' }, 'redis.url', 'must be a redis:// or rediss:// URL'],
    [{ ...MINIMAL, influx: { url: 'http://i' } }, 'influx', 'needs either database'],
    [{ ...MINIMAL, influx: { url: 'http://i', database: 'd', bucket: 'b' } }, 'influx', 'either v1 options'],
    [{ ...MINIMAL, audit: { flushInterval: '200ms' } }, 'audit.flushInterval', 'must be between 1 and 50'],
    // Past a timer's range, setTimeout fires after 1 ms: a 30-day proxy timeout would time out every request.
    [{ ...MINIMAL, proxy: { timeout: '30d' } }, 'proxy.timeout', 'must be at most 24.8d (2147483647 ms)'],
    [{ ...MINIMAL, mirror: { timeout: '99999999999d' } }, 'mirror.timeout', 'must be at most 24.8d'],
    [{ ...MINIMAL, mirror: { timeout: 1e16 } }, 'mirror.timeout', 'must be at most 24.8d'],
    [{ ...MINIMAL, mirror: { timeout: '9'.repeat(400) } }, 'mirror.timeout', 'must be a duration'],
    [{ ...MINIMAL, worker: { sampleTtl: '400d' } }, 'worker.sampleTtl', 'must be between 1000 and 31536000000'],
    [{ ...MINIMAL, colour: 'blue' }, 'colour', 'is not a known option'],
  ])('rejects %j at %s', (raw, key, constraint) => {
    const err = errorOf(raw)
    expect(err.code).toBe('SG_CONFIG_INVALID')
    expect(err.key).toBe(key)
    expect(err.message).toContain(constraint)
    expect(err.message.startsWith(key)).toBe(true)
  })

  it('parses the issue example shape from YAML with env interpolation', () => {
    const cfg = parseConfig(
      `listen: { host: 0.0.0.0, port: 8080 }
admin: { host: 127.0.0.1, port: 9901, token: \${SHADOWGATE_ADMIN_TOKEN} }
primary: http://127.0.0.1:3000
shadow: http://127.0.0.1:3001
redis: redis://127.0.0.1:6379
routes:
  - name: products
    match: /products/:id
    methods: [GET]
    mirror: { percent: 25, sticky: header:x-user-id }
`,
      { SHADOWGATE_ADMIN_TOKEN: 's3cr#t: yes' },
    )
    expect(cfg.admin.token).toBe('s3cr#t: yes')
    expect(cfg.redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379', prefix: 'shadowgate' })
    expect(cfg.routes[0]?.mirror.sticky).toEqual({ source: 'header', name: 'x-user-id' })
    expect(cfg.routes[0]?.methods).toEqual(['GET'])
  })

  it('keeps $${NAME} as literal text and uses defaults', () => {
    const cfg = parseConfig('primary: ${UP:-http://127.0.0.1:3000}\nroutes:\n  - { name: a, match: /a, mirror: { headers: { set: { x-lit: "$${HOME}" } } } }\n', {})
    expect(cfg.primary).toBe('http://127.0.0.1:3000')
    expect(cfg.routes[0]?.mirror.headers.set['x-lit']).toBe('${HOME}')
  })

  it('names the key of an unset environment variable', () => {
    expect(() => parseConfig('primary: ${NOPE_NOT_SET}\n', {})).toThrow('primary refers to environment variable NOPE_NOT_SET, which is not set')
  })

  it('reports YAML syntax errors as config errors', () => {
    expect(() => parseConfig('primary: [unclosed\n', {})).toThrow(/config is not valid YAML/)
  })

  it('accepts both InfluxDB styles', () => {
    const v1 = validateConfig({ ...MINIMAL, influx: { url: 'http://i:8086', database: 'shadowgate', username: 'u', password: 'p' } })
    expect(v1.influx).toMatchObject({ version: 1, database: 'shadowgate', retentionPolicy: undefined })
    const v2 = validateConfig({ ...MINIMAL, influx: { url: 'http://i:8086', token: 't', org: 'o', bucket: 'b' } })
    expect(v2.influx).toMatchObject({ version: 2, bucket: 'b' })
  })
})
