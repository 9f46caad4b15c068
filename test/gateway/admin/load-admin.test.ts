import type { AddressInfo } from 'node:net'
import { parseConfig } from '@shadowgate/shared'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildAdmin } from '../../../gateway/src/admin/build-admin.js'
import { GatewayMetrics } from '../../../gateway/src/metrics/gateway-metrics.js'
import { RuntimeSettings } from '../../../gateway/src/runtime/runtime-settings.js'

const TOKEN = 'admin-secret-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const json = { ...auth, 'content-type': 'application/json' }

describe('admin API: load ramps', () => {
  let app: FastifyInstance | undefined
  let settings: RuntimeSettings | undefined
  afterEach(async () => {
    await app?.close()
    settings?.close()
    app = undefined
  })

  async function start(): Promise<string> {
    const config = parseConfig(`
primary: http://127.0.0.1:9
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
mirror: { maxAmplification: 5 }
load: { maxDuration: 10m }
routes:
  - name: users
    match: /users/*
    shadow: http://127.0.0.1:10
    mirror: { percent: 10 }
  - name: lonely
    match: /lonely
`)
    settings = new RuntimeSettings(config)
    app = await buildAdmin({ config, settings, metrics: new GatewayMetrics() })
    await app.listen({ host: '127.0.0.1', port: 0 })
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  }

  it('starts, reports and stops a ramp; stop returns the route to its previous percent and is idempotent', async () => {
    const url = await start()
    const started = await fetch(`${url}/routes/users/load`, { method: 'POST', headers: { ...json, 'x-shadowgate-actor': 'alice' }, body: '{"to":300,"step":50,"every":"1m","reason":"capacity test"}' })
    expect(started.status).toBe(201)
    const body = (await started.json()) as { load: Record<string, unknown> }
    expect(body.load).toMatchObject({ route: 'users', state: 'running', percent: 60, from: 10, to: 300, step: 50, everyMs: 60_000, reason: 'capacity test', by: 'alice@127.0.0.1' })
    // load.maxDuration is the default --max-duration.
    expect(Date.parse(String(body.load['endsAt'])) - Date.parse(String(body.load['startedAt']))).toBe(600_000)
    expect(settings?.mirrorPercent('users')).toBe(60)

    const status = (await (await fetch(`${url}/load`, { headers: auth })).json()) as { routes: { route: string; state: string; percent: number }[] }
    expect(status.routes.map((r) => [r.route, r.state, r.percent])).toEqual([
      ['users', 'running', 60],
      ['lonely', 'none', 0],
    ])

    const stop = await fetch(`${url}/routes/users/load`, { method: 'DELETE', headers: auth })
    expect(await stop.json()).toMatchObject({ stopped: true, load: { state: 'stopped', percent: 10, stoppedPercent: 60, stopReason: 'load stop' } })
    expect(settings?.mirrorPercent('users')).toBe(10)
    const again = await fetch(`${url}/routes/users/load`, { method: 'DELETE', headers: auth })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ stopped: false, load: { state: 'stopped' } })
  })

  it('answers bad ramps with stable codes and starts nothing', async () => {
    const url = await start()
    const cases: [string, string, number, string, RegExp][] = [
      ['users', '{"to":501,"step":50,"every":"1m"}', 400, 'SG_PERCENT_ABOVE_MAX', /percent 501 is above the maximum 500/],
      ['users', '{"to":300,"step":0,"every":"1m"}', 400, 'SG_INVALID_LOAD_RAMP', /step must be a percent above 0 \(got 0\)/],
      ['users', '{"to":300,"step":-5,"every":"1m"}', 400, 'SG_INVALID_LOAD_RAMP', /step must be a percent above 0/],
      ['users', '{"to":300,"step":50}', 400, 'SG_INVALID_LOAD_RAMP', /every is required/],
      ['users', '{"to":300,"step":50,"every":"soon"}', 400, 'SG_INVALID_LOAD_RAMP', /every must be a positive duration/],
      ['users', '{"to":300,"step":50,"every":"1m","maxDuration":"2d"}', 400, 'SG_INVALID_LOAD_RAMP', /maxDuration must be at most 1d/],
      ['users', '{"to":300,"step":50,"every":"1h","maxDuration":"10m"}', 400, 'SG_INVALID_LOAD_RAMP', /every must be at most/],
      ['users', '{"to":5,"step":50,"every":"1m"}', 400, 'SG_INVALID_LOAD_RAMP', /to \(5\) must be above the percent in force/],
      ['users', '{"to":300,"step":50,"every":"1m","speed":9}', 400, 'SG_INVALID_LOAD_RAMP', /unknown field "speed"/],
      ['lonely', '{"to":300,"step":50,"every":"1m"}', 409, 'SG_LOAD_NO_SHADOW', /route "lonely" has no shadow/],
      ['nope', '{"to":300,"step":50,"every":"1m"}', 404, 'SG_UNKNOWN_ROUTE', /no route rule is named "nope"/],
    ]
    for (const [route, body, status, code, message] of cases) {
      const res = await fetch(`${url}/routes/${route}/load`, { method: 'POST', headers: json, body })
      const answer = (await res.json()) as { error: { code: string; message: string } }
      expect([res.status, answer.error.code], body).toEqual([status, code])
      expect(answer.error.message).toMatch(message)
    }
    expect(settings?.loadRamp('users')).toBeNull()
    expect(settings?.mirrorPercent('users')).toBe(10)
    await fetch(`${url}/routes/users/load`, { method: 'POST', headers: json, body: '{"to":300,"step":50,"every":"1m"}' })
    const twice = await fetch(`${url}/routes/users/load`, { method: 'POST', headers: json, body: '{"to":400,"step":50,"every":"1m"}' })
    expect(twice.status).toBe(409)
    expect(((await twice.json()) as { error: { code: string } }).error.code).toBe('SG_LOAD_RAMP_ACTIVE')
  })

  it('takes a runtime percent above 100 up to the maximum', async () => {
    const url = await start()
    const ok = await fetch(`${url}/routes/users/mirror`, { method: 'PUT', headers: json, body: '{"percent":500}' })
    expect(ok.status).toBe(200)
    expect(settings?.mirrorPercent('users')).toBe(500)
    const over = await fetch(`${url}/routes/users/mirror`, { method: 'PUT', headers: json, body: '{"percent":500.5}' })
    expect(over.status).toBe(400)
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('SG_PERCENT_ABOVE_MAX')
  })

  it('keeps the token rules of the admin API', async () => {
    const url = await start()
    for (const [method, path] of [['GET', '/load'], ['POST', '/routes/users/load'], ['DELETE', '/routes/users/load']] as const) {
      const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{"to":300,"step":50,"every":"1m"}' : undefined })
      expect(res.status, `${method} ${path}`).toBe(401)
    }
    expect(settings?.loadRamp('users')).toBeNull()
  })
})
