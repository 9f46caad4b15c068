import { AggregatorRegistry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

// What clients receive, in Prometheus: names and labels are a contract (dashboards, alerts).

describe('request metrics', () => {
  let primary: TestServer
  let shadow: TestServer
  let gateway: RunningGateway

  beforeAll(async () => {
    primary = await startServer((req, res) => {
      res.statusCode = req.url?.includes('missing') ? 404 : req.url?.includes('broken') ? 503 : 200
      res.end('ok')
    })
    shadow = await startServer((_req, res) => {
      res.end('ok')
    })
    gateway = await startGateway({
      primary: primary.url,
      shadow: `http://user:pass@${new URL(shadow.url).host}`,
      routes: [
        { name: 'catalog', match: '/catalog/*', mirror: { percent: 100 } },
        { name: 'other', match: '/other/*' },
      ],
    })
  })
  afterAll(async () => {
    await gateway?.close()
    await primary?.close()
    await shadow?.close()
  })

  it('counts responses by route and status class, times them, and names unmatched requests (unmatched)', async () => {
    for (const path of ['/catalog/1', '/catalog/2', '/catalog/missing', '/other/broken', '/nowhere']) await send(gateway.url, path)
    const text = await gateway.metrics.registry.metrics()
    expect(text).toContain('shadowgate_responses_total{route="catalog",status_class="2xx"} 2')
    expect(text).toContain('shadowgate_responses_total{route="catalog",status_class="4xx"} 1')
    expect(text).toContain('shadowgate_responses_total{route="other",status_class="5xx"} 1')
    expect(text).toContain('shadowgate_responses_total{route="(unmatched)",status_class="2xx"} 1')
    expect(text).toContain('shadowgate_request_duration_seconds_count{route="catalog"} 3')
    expect(text).toMatch(/shadowgate_request_duration_seconds_bucket\{le="30",route="catalog"\} 3/)
    expect(text).toMatch(/shadowgate_request_duration_seconds_bucket\{le="\+Inf",route="\(unmatched\)"\} 1/)
  })

  it('sums across cluster workers as prom-client aggregates them', async () => {
    const json = await gateway.metrics.registry.getMetricsAsJSON()
    const text = await AggregatorRegistry.aggregate([json, json]).metrics()
    expect(text).toContain('shadowgate_request_duration_seconds_count{route="catalog"} 6')
    expect(text).toMatch(/shadowgate_request_duration_seconds_bucket\{le="\+Inf",route="catalog"\} 6/)
    expect(text).toContain('shadowgate_responses_total{route="catalog",status_class="2xx"} 4')
  })

  it('reports the build and never puts a shadow URL in a label', async () => {
    const text = await gateway.metrics.registry.metrics()
    expect(text).toMatch(/shadowgate_build_info\{version="\d+\.\d+\.\d+[^"]*",node="v\d+\.\d+\.\d+"\} 1/)
    expect(text).toContain('shadowgate_shadow_in_flight{shadow="catalog"}')
    expect(text).not.toMatch(/shadow="[^"]*(http|pass)/)
    // Removed: one series per state instead of a coded value.
    expect(text).not.toMatch(/shadowgate_circuit_state\{shadow="[^"]*"\} /)
  })
})
