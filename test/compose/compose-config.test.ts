import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '@shadowgate/shared'
import { loadCompose, readRepoFile, serviceEnv } from './compose-model.js'

// The config docker compose mounts into the gateway and the worker, loaded with exactly the
// environment compose gives them.
const CONFIG = 'gateway/examples/shadowgate.compose.yaml'
const text = readRepoFile(CONFIG)
const services = loadCompose().services

describe(CONFIG, () => {
  for (const name of ['gateway', 'audit-service']) {
    it(`is valid with the environment compose sets on ${name}`, () => {
      const svc = services[name]
      if (!svc) throw new Error(`no ${name} service`)
      const env = serviceEnv(svc)
      const cfg = parseConfig(text, env)
      expect(cfg.primary).toBe('http://catalog-v1:3000')
      expect(cfg.shadow).toBe('http://catalog-v2:3000')
      expect(cfg.redis).toMatchObject({ mode: 'single', url: env['REDIS_URL'] })
      expect(cfg.admin.token).toBe(env['SHADOWGATE_ADMIN_TOKEN'])
      expect(cfg.influx).toMatchObject({ version: 2, url: env['INFLUX_URL'], token: env['INFLUX_TOKEN'], org: env['INFLUX_ORG'], bucket: env['INFLUX_BUCKET'] })
    })
  }

  it('mirrors the catalog routes, ignores the volatile fields and leaves health checks alone', () => {
    const env = serviceEnv(services['gateway'] ?? {})
    const cfg = parseConfig(text, env)
    expect(cfg.routes.map((r) => r.name)).toEqual(['products-list', 'product', 'categories', 'search', 'orders', 'health'])
    for (const r of cfg.routes.filter((x) => x.name !== 'health')) {
      expect(r.mirror.percent, r.name).toBeGreaterThan(0)
      expect(r.audit.ignore.map((p) => p.source), r.name).toEqual(['$.generatedAt', '$.requestId'])
    }
    expect(cfg.routes.find((r) => r.name === 'health')?.mirror.percent).toBe(0)
    const orders = cfg.routes.find((r) => r.name === 'orders')
    expect(orders?.methods).toEqual(['POST'])
    expect(orders?.mirror.methods).toEqual(['POST'])
    expect(orders?.mirror.headers.set).toEqual({ 'x-shadow-request': 'true' })
  })

  it('names the missing variable when the environment lacks one', () => {
    const env = serviceEnv(services['gateway'] ?? {})
    const { INFLUX_TOKEN: _drop, ...without } = env
    expect(() => parseConfig(text, without)).toThrow(ConfigError)
    expect(() => parseConfig(text, without)).toThrow(/influx\.token refers to environment variable INFLUX_TOKEN/)
  })
})
