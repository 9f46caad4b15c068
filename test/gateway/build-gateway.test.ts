import { validateConfig } from '@shadowgate/shared'
import { Agent, type Dispatcher } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { buildGateway } from '../../gateway/src/build-gateway.js'
import { GatewayMetrics } from '../../gateway/src/metrics/gateway-metrics.js'
import type { RouteSettingsSource } from '../../gateway/src/runtime/route-settings-source.js'
import { send, startGateway } from './proxy/gateway-fixture.js'

/** A real undici Agent that counts what it was asked to carry. */
class CountingAgent extends Agent {
  dispatched = 0
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.dispatched++
    return super.dispatch(options, handler)
  }
}

/** Settings the test changes between requests, like the runtime part does. */
class MutableSettings implements RouteSettingsSource {
  percent = 0
  primaryUrl: string
  shadowUrl: string | undefined
  constructor(primaryUrl: string, shadowUrl: string | undefined) {
    this.primaryUrl = primaryUrl
    this.shadowUrl = shadowUrl
  }
  mirrorPercent(): number {
    return this.percent
  }
  primary(): string {
    return this.primaryUrl
  }
  shadow(): string | undefined {
    return this.shadowUrl
  }
}

const connections = async (s: TestServer): Promise<number> => await new Promise((r, j) => s.server.getConnections((err, n) => (err ? j(err) : r(n))))

describe('buildGateway', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  async function server(name: string, hold = false): Promise<TestServer> {
    const s = await startServer((_req, res) => (hold ? undefined : void res.end(name)))
    cleanups.push(() => s.close())
    return s
  }

  it('returns an app that is not listening', async () => {
    const app = await buildGateway(validateConfig({ primary: 'http://127.0.0.1:1' }))
    cleanups.push(() => app.close())
    expect(app.server.listening).toBe(false)
  })

  it('reads primary, shadow and percent from the settings source on every request', async () => {
    const a = await server('from-a')
    const b = await server('from-b')
    const shadow = await server('shadow')
    const settings = new MutableSettings(a.url, undefined)
    const gateway = await startGateway({ primary: a.url, shadow: shadow.url, routes: [{ name: 'r', match: '/*' }] }, { settings })
    cleanups.push(() => gateway.close())

    expect((await send(gateway.url, '/x')).body.toString()).toBe('from-a')
    settings.primaryUrl = b.url
    expect((await send(gateway.url, '/x')).body.toString()).toBe('from-b')

    settings.percent = 100
    await send(gateway.url, '/no-shadow-yet')
    expect(gateway.metrics.snapshot()['r']?.notMirrored.no_shadow).toBe(1)
    settings.shadowUrl = shadow.url
    await send(gateway.url, '/mirrored-now')
    await waitFor(() => shadow.received.some((r) => r.url === '/mirrored-now'), 10_000, 'the copy')
    expect(gateway.metrics.snapshot()['r']).toMatchObject({ requests: 4, mirrored: 1 })
    expect(gateway.metrics.snapshot()['r']?.notMirrored.not_sampled).toBe(2)
  })

  it('uses injected dispatchers and never closes them', async () => {
    const origin = await server('origin')
    const shadow = await server('shadow')
    const primaryDispatcher = new CountingAgent()
    const shadowDispatcher = new CountingAgent()
    cleanups.push(() => primaryDispatcher.close(), () => shadowDispatcher.close())
    const gateway = await startGateway(
      { primary: origin.url, shadow: shadow.url, routes: [{ name: 'r', match: '/*', mirror: { percent: 100 } }] },
      { primaryDispatcher, shadowDispatcher },
    )
    await send(gateway.url, '/once')
    await waitFor(() => shadow.received.length === 1, 10_000, 'the copy')
    await gateway.close()
    expect(primaryDispatcher.dispatched).toBe(1)
    expect(shadowDispatcher.dispatched).toBe(1)
    const res = await primaryDispatcher.request({ origin: origin.url, path: '/still-open', method: 'GET' })
    expect(await res.body.text()).toBe('origin')
  })

  it('releases the pools it created and aborts copies in flight when closed', async () => {
    const origin = await server('origin')
    const shadow = await server('shadow', true)
    const metrics = new GatewayMetrics()
    const gateway = await startGateway({ primary: origin.url, shadow: shadow.url, routes: [{ name: 'r', match: '/*', mirror: { percent: 100 } }] }, { metrics })
    expect((await send(gateway.url, '/held')).body.toString()).toBe('origin')
    await waitFor(() => shadow.received.length === 1, 10_000, 'the held copy')
    expect(await connections(origin)).toBeGreaterThan(0)
    await gateway.close()
    await waitFor(async () => (await connections(origin)) === 0 && (await connections(shadow)) === 0, 10_000, 'upstream connections to close')
    const errors = await metrics.registry.getSingleMetric('shadowgate_shadow_errors_total')?.get()
    expect(errors?.values).toContainEqual(expect.objectContaining({ labels: { route: 'r', kind: 'aborted' }, value: 1 }))
  })

  it('forwards paths the router cannot decode, counted as unmatched', async () => {
    const origin = await server('origin')
    const gateway = await startGateway({ primary: origin.url, routes: [{ name: 'r', match: '/*' }] })
    cleanups.push(() => gateway.close())
    expect((await send(gateway.url, '/bad%zz?q=%zz')).body.toString()).toBe('origin')
    expect(origin.received.at(-1)?.url).toBe('/bad%zz?q=%zz')
    expect(gateway.metrics.snapshot()['(unmatched)']?.notMirrored.no_route).toBe(1)
  })
})
