import { describe, expect, it } from 'vitest'
import { parseConfig, validateConfig, DEFAULT_MIRROR_METHODS, DEFAULT_MAX_IN_FLIGHT, MIN_TOKEN_LENGTH } from '@shadowgate/shared'
import { errorOf } from './config-error-of.js'

const MINIMAL = { primary: 'http://127.0.0.1:3000' }

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
    expect(route?.audit.numbers).toBe('value')
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
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', audit: { numbers: 'text' } }] }, 'routes[0].audit.numbers', 'must be one of value, literal'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', recheck: { maxShare: 5 } }] }, 'routes[0].recheck.maxShare', 'must be between 0 and 1'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', recheck: { delay: 'soon' } }] }, 'routes[0].recheck.delay', 'must be a duration'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', recheck: { headers: { 'bad header': 'x' } } }] }, 'routes[0].recheck.headers."bad header"', 'must be a valid header name'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', noise: { sample: 2 } }] }, 'routes[0].noise.sample', 'must be between 0 and 1'],
    [{ ...MINIMAL, admin: { host: '0.0.0.0' } }, 'admin.token', 'is required when admin.host is not a loopback address'],
    [{ ...MINIMAL, listen: { port: 70000 } }, 'listen.port', 'must be between 0 and 65535'],
    [{ ...MINIMAL, mirror: { timeout: 'soon' } }, 'mirror.timeout', 'must be a duration'],
    [{ ...MINIMAL, mirror: { timeout: -5 } }, 'mirror.timeout', 'must be a duration'],
    [{ ...MINIMAL, proxy: { timeout: Infinity } }, 'proxy.timeout', 'must be a duration'],
    [{ ...MINIMAL, routes: [{ name: 'a', match: '/a', audit: { percent: NaN } }] }, 'routes[0].audit.percent', 'must be a number'],
    [{ ...MINIMAL, redis: 'http://r' }, 'redis', 'must be a redis:// or rediss:// URL'],
    [{ ...MINIMAL, redis: { url: 'http://r' } }, 'redis.url', 'must be a redis:// or rediss:// URL'],
    [{ ...MINIMAL, influx: { url: 'http://i' } }, 'influx', 'needs either database'],
    [{ ...MINIMAL, influx: { url: 'http://i', database: 'd', bucket: 'b' } }, 'influx', 'either v1 options'],
    [{ ...MINIMAL, audit: { flushInterval: '200ms' } }, 'audit.flushInterval', 'must be between 1 and 50'],
    // Past a timer's range, setTimeout fires after 1 ms: a 30-day proxy timeout would time out every request.
    [{ ...MINIMAL, proxy: { timeout: '30d' } }, 'proxy.timeout', 'must be at most 24.8d (2147483647 ms)'],
    [{ ...MINIMAL, mirror: { timeout: '99999999999d' } }, 'mirror.timeout', 'must be at most 24.8d'],
    [{ ...MINIMAL, mirror: { timeout: 1e16 } }, 'mirror.timeout', 'must be at most 24.8d'],
    [{ ...MINIMAL, mirror: { timeout: '9'.repeat(400) } }, 'mirror.timeout', 'must be a duration'],
    [{ ...MINIMAL, worker: { sampleTtl: '400d' } }, 'worker.sampleTtl', 'must be between 1000 and 31536000000'],
    [{ ...MINIMAL, audit: { batchSize: 1_001 } }, 'audit.batchSize', 'must be between 1 and 1000'],
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
      { SHADOWGATE_ADMIN_TOKEN: 's3cr#t: yes, 16+ chars' },
    )
    expect(cfg.admin.token).toBe('s3cr#t: yes, 16+ chars')
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

  it('reports every problem at once, each with its key path and constraint', () => {
    const err = errorOf({
      primary: 'ftp://x',
      listen: { port: 'eighty' },
      colour: 'blue',
      routes: [{ name: 'a', match: '/a', mirror: { percent: 101, percnt: 5 } }, { name: 'a', match: '/b' }],
      audit: { flushInterval: '200ms' },
    })
    expect(err.issues).toEqual(
      expect.arrayContaining([
        { key: 'primary', constraint: 'must use http:// or https:// (got "ftp:")' },
        { key: 'listen.port', constraint: 'must be a number' },
        { key: 'colour', constraint: 'is not a known option' },
        { key: 'routes[0].mirror.percent', constraint: 'must be between 0 and 100' },
        { key: 'routes[0].mirror.percnt', constraint: 'is not a known option' },
        { key: 'routes[1].name', constraint: 'must be unique ("a" is used twice)' },
        { key: 'audit.flushInterval', constraint: 'must be between 1 and 50' },
        { key: 'routes[0].shadow', constraint: 'is required when mirror.percent is above 0 (set it here or at the top level)' },
      ]),
    )
    expect(err.issues).toHaveLength(8)
    expect(err.message.split('\n')).toHaveLength(8)
    expect(err.message.startsWith(err.key)).toBe(true)
  })

  it.each([
    [null],
    ['just text'],
    [[1, 2]],
    [{ primary: 'http://a', routes: [null, 'x', { name: 5, match: {}, mirror: [], audit: { arrays: [], tolerance: { '$.a': 'x' } } }] }],
    [{ primary: 'http://a', proxy: [], mirror: 'x', influx: 'x', redis: 5, admin: { host: 5, enabled: 'maybe' }, worker: { http: 'x' }, audit: null }],
    [{ primary: 'http://a', proxy: { clientHeadersTimeout: [], clientRequestTimeout: {} }, influx: { url: 7, database: [], bucket: {} } }],
  ])('answers %j with a ConfigError, never another error', (raw) => {
    expect(errorOf(raw).code).toBe('SG_CONFIG_INVALID')
  })

  it('reads an empty redis URL as no Redis, but not an empty redis.url', () => {
    expect(parseConfig('primary: http://127.0.0.1:3000\nredis: ${REDIS_URL:-}\n', {}).redis).toBeUndefined()
    expect(errorOf({ ...MINIMAL, redis: { url: '' } }).message).toBe('redis.url must not be empty')
  })

  it('treats an empty key as absent and numbers and booleans from ${ENV} as such', () => {
    const cfg = parseConfig('primary: http://127.0.0.1:3000\nlisten: { port: "${PORT}", host: }\nadmin: { enabled: "${ADMIN}" }\n', { PORT: '8181', ADMIN: 'false' })
    expect(cfg.listen).toEqual({ host: '0.0.0.0', port: 8181 })
    expect(cfg.admin.enabled).toBe(false)
  })

  describe('finding 10: header values and tokens', () => {
    it.each([
      ['CR LF', 'v\r\nx-injected: 1'],
      ['LF', 'v\nx'],
      ['NUL', 'v\u0000'],
      ['DEL', 'v\u007f'],
      ['a character beyond Latin-1', 'v\u2028'],
    ])('rejects a header value with %s coming from the environment, naming the key', (_what, value) => {
      const text = 'primary: http://127.0.0.1:3000\nroutes:\n  - { name: a, match: /a, mirror: { headers: { set: { x-tenant: "${TENANT}" } } } }\n'
      expect(() => parseConfig(text, { TENANT: value })).toThrow('routes[0].mirror.headers.set.x-tenant must not contain CR, LF or other control characters (not allowed in an HTTP header value)')
    })

    it('accepts tabs, spaces, visible ASCII and obs-text in a header value', () => {
      const cfg = validateConfig({ ...MINIMAL, routes: [{ name: 'a', match: '/a', mirror: { headers: { set: { 'x-a': 'a\tb c~!\u00e9' } } } }] })
      expect(cfg.routes[0]?.mirror.headers.set['x-a']).toBe('a\tb c~!\u00e9')
    })

    it(`requires admin.token to be at least ${MIN_TOKEN_LENGTH} characters, on any host`, () => {
      for (const host of ['0.0.0.0', '127.0.0.1']) {
        const err = errorOf({ ...MINIMAL, admin: { host, token: 'x' } })
        expect([err.key, err.message]).toEqual(['admin.token', `admin.token must be at least ${MIN_TOKEN_LENGTH} characters long`])
      }
      expect(validateConfig({ ...MINIMAL, admin: { host: '0.0.0.0', token: 'x'.repeat(MIN_TOKEN_LENGTH) } }).admin.token).toHaveLength(MIN_TOKEN_LENGTH)
    })

    it('requires worker.http.token when worker.http.host is not a loopback address, of the same length', () => {
      const err = errorOf({ ...MINIMAL, worker: { http: { host: '0.0.0.0' } } })
      expect(err.message).toBe('worker.http.token is required when worker.http.host is not a loopback address (got "0.0.0.0")')
      expect(errorOf({ ...MINIMAL, worker: { http: { host: '0.0.0.0', token: 'short' } } }).message).toBe(`worker.http.token must be at least ${MIN_TOKEN_LENGTH} characters long`)
      const ok = validateConfig({ ...MINIMAL, worker: { http: { host: '0.0.0.0', token: 'w'.repeat(20) } } })
      expect(ok.worker.http).toEqual({ host: '0.0.0.0', port: 9902, token: 'w'.repeat(20), allowedHosts: [], allowedOrigins: [] })
      expect(errorOf({ ...MINIMAL, worker: { http: { host: '127.0.0.2' } } }).key).toBe('worker.http.token')
      for (const host of ['127.0.0.1', '::1', 'localhost']) expect(validateConfig({ ...MINIMAL, worker: { http: { host } } }).worker.http.token).toBeUndefined()
    })
  })
})
