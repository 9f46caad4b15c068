import { describe, expect, it } from 'vitest'
import { DEMO_MIRRORED_ROUTES, demoConfig, newDemoRunIdentity } from '../../../cli/src/demo/demo-config.js'
import { demoInfluxFromEnv } from '../../../cli/src/demo/demo-influx-env.js'

describe('demoConfig', () => {
  const run = { redisPrefix: 'shadowgate-demo-test', adminToken: 'demo-token-0123456789' }

  it('is a validated config on loopback ports, every route starting at 0 %, the noise ignored', () => {
    const cfg = demoConfig({ primary: 4001, shadow: 4002 }, 'redis://127.0.0.1:6390', undefined, run)
    expect([cfg.primary, cfg.shadow]).toEqual(['http://127.0.0.1:4001', 'http://127.0.0.1:4002'])
    expect([cfg.listen, cfg.admin.host, cfg.admin.port, cfg.admin.token]).toEqual([{ host: '127.0.0.1', port: 0 }, '127.0.0.1', 0, 'demo-token-0123456789'])
    expect(cfg.redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6390', prefix: 'shadowgate-demo-test' })
    expect(cfg.influx).toBeUndefined()
    expect(cfg.routes.map((r) => r.name)).toEqual([...DEMO_MIRRORED_ROUTES, 'health'])
    for (const r of cfg.routes) expect(r.mirror.percent, r.name).toBe(0)
    for (const name of DEMO_MIRRORED_ROUTES) {
      const r = cfg.routes.find((x) => x.name === name)
      expect(r?.audit.ignore.map((p) => p.source), name).toEqual(['$.generatedAt', '$.requestId'])
    }
    const categories = cfg.routes.find((r) => r.name === 'categories')
    expect(categories?.audit.arrays.map((a) => [a.path.source, a.mode])).toEqual([['$.categories', { mode: 'keyed', key: 'id' }]])
    expect(cfg.routes.find((r) => r.name === 'orders')?.mirror.methods).toEqual(['POST'])
  })

  it('takes the InfluxDB section as the config file would', () => {
    const cfg = demoConfig({ primary: 1, shadow: 2 }, 'redis://127.0.0.1:6390', { url: 'http://127.0.0.1:8086', database: 'demo' }, run)
    expect(cfg.influx).toMatchObject({ version: 1, url: 'http://127.0.0.1:8086', database: 'demo' })
  })

  it('gives every run its own prefix and token', () => {
    const a = newDemoRunIdentity()
    const b = newDemoRunIdentity()
    expect(a.redisPrefix).toMatch(/^shadowgate-demo-\d+-[0-9a-f]{6}$/)
    expect(a.redisPrefix).not.toBe(b.redisPrefix)
    expect(a.adminToken).not.toBe(b.adminToken)
    expect(a.adminToken.length).toBeGreaterThanOrEqual(24)
  })
})

describe('demoInfluxFromEnv', () => {
  it('is off without INFLUX_URL', () => {
    expect(demoInfluxFromEnv({})).toBeUndefined()
    expect(demoInfluxFromEnv({ INFLUX_URL: '  ' })).toBeUndefined()
  })

  it('reads InfluxDB 1.x settings', () => {
    const i = demoInfluxFromEnv({ INFLUX_URL: 'http://db:8086', INFLUX_DATABASE: 'sg', INFLUX_USER: 'u', INFLUX_PASSWORD: 'p' })
    expect(i?.section).toEqual({ url: 'http://db:8086', flushInterval: '1s', database: 'sg', username: 'u', password: 'p' })
    expect(i?.description).toBe('InfluxDB 1.x at http://db:8086, database sg')
  })

  it('reads InfluxDB 2.x settings with the compose defaults for org and bucket', () => {
    expect(demoInfluxFromEnv({ INFLUX_URL: 'http://db:8086', INFLUX_TOKEN: 't' })?.section).toEqual({ url: 'http://db:8086', flushInterval: '1s', token: 't', org: 'shadowgate', bucket: 'shadowgate' })
    expect(demoInfluxFromEnv({ INFLUX_URL: 'http://db:8086', INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b' })?.section).toMatchObject({ org: 'o', bucket: 'b' })
  })

  it('names the missing or conflicting variables', () => {
    expect(() => demoInfluxFromEnv({ INFLUX_URL: 'http://db:8086' })).toThrow(/neither INFLUX_TOKEN .* nor INFLUX_DATABASE/)
    expect(() => demoInfluxFromEnv({ INFLUX_URL: 'http://db:8086', INFLUX_TOKEN: 't', INFLUX_DATABASE: 'd' })).toThrow(/both set/)
    expect(() => demoInfluxFromEnv({ INFLUX_DATABASE: 'd' })).toThrow(/INFLUX_DATABASE is set but INFLUX_URL is not/)
  })
})
