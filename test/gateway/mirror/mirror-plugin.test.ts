import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { validateConfig } from '@shadowgate/shared'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { GatewayMetrics } from '../../../gateway/src/metrics/gateway-metrics.js'
import type { MirrorPair, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { mirror } from '../../../gateway/src/mirror/mirror-plugin.js'
import { headerLinesRecord } from '../capture/capture-fixtures.js'
import { send } from '../proxy/gateway-fixture.js'

// The plugin on its own, in an app that answers with its own handlers (no shadowgate proxy).
describe('mirror plugin in a plain Fastify app', () => {
  let shadow: TestServer
  let app: FastifyInstance
  let url: string
  const metrics = new GatewayMetrics()
  const pairs: MirrorPair[] = []
  const sink: PairSink = { maxBodyBytes: 1_000, accepts: () => true, push: (p) => void pairs.push(p) }

  beforeAll(async () => {
    shadow = await startServer((req, res) => {
      if (req.url === '/hold') return // never answers: the app must still close
      res.end(`shadow saw ${req.body.length} bytes`)
    })
    const config = validateConfig({ primary: 'http://127.0.0.1:1', shadow: shadow.url, routes: [{ name: 'app', match: '/*', mirror: { percent: 100, methods: ['GET', 'POST'] } }] })
    app = Fastify()
    await app.register(mirror, { config, metrics, pairSink: sink })
    app.post('/echo', async (request) => ({ got: request.body }))
    app.get('/text', async (_request, reply) => reply.type('text/plain').send('plain text answer'))
    app.get('/stream', async (_request, reply) => reply.type('text/plain').send(Readable.from(['streamed ', 'answer'])))
    app.get('/hold', async () => 'held by the shadow')
    await app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await app?.close()
    await shadow?.close()
  })

  it('lets body parsers read the body while the copy carries the same bytes', async () => {
    const body = JSON.stringify({ a: 1, b: [true, null] })
    const res = await send(url, '/echo', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    expect(JSON.parse(res.body.toString())).toEqual({ got: { a: 1, b: [true, null] } })
    await waitFor(() => shadow.received.some((r) => r.url === '/echo'), 10_000, 'the copy')
    expect(shadow.received.find((r) => r.url === '/echo')?.body.toString()).toBe(body)
    expect(shadow.received.find((r) => r.url === '/echo')?.headers['x-shadowgate-mirror']).toBe('1')
  })

  it('captures replies sent by handlers, as strings or streams', async () => {
    await send(url, '/text')
    await send(url, '/stream')
    await waitFor(() => pairs.some((p) => p.request.url === '/text') && pairs.some((p) => p.request.url === '/stream'), 10_000, 'both pairs')
    expect(pairs.find((p) => p.request.url === '/text')?.primary).toMatchObject({ kind: 'response', status: 200, truncated: false })
    const text = pairs.find((p) => p.request.url === '/text')?.primary
    const streamed = pairs.find((p) => p.request.url === '/stream')?.primary
    expect(text?.kind === 'response' && text.body.toString()).toBe('plain text answer')
    expect(text?.kind === 'response' && headerLinesRecord(text.headers)['content-type']).toMatch(/^text\/plain/)
    expect(streamed?.kind === 'response' && streamed.body.toString()).toBe('streamed answer')
    expect(pairs.find((p) => p.request.url === '/text')?.shadow).toMatchObject({ kind: 'response', status: 200 })
  })

  it('exposes shadow state through the fastify.mirror decorator', () => {
    expect(app.mirror.stats().shadows[shadow.url]).toMatchObject({ circuit: 'closed' })
    expect(app.mirror.routes.routes.map((r) => r.name)).toEqual(['app'])
  })

  it('aborts copies still in flight when the app closes', async () => {
    expect((await send(url, '/hold')).body.toString()).toBe('held by the shadow')
    await waitFor(() => shadow.received.some((r) => r.url === '/hold'), 10_000, 'the held copy')
    expect(app.mirror.stats().shadows[shadow.url]?.inFlight).toBe(1)
    await app.close()
    expect(app.mirror.stats().shadows[shadow.url]?.inFlight).toBe(0)
    const errors = await metrics.registry.getSingleMetric('shadowgate_shadow_errors_total')?.get()
    expect(errors?.values).toContainEqual(expect.objectContaining({ labels: { route: 'app', kind: 'aborted' }, value: 1 }))
  })
})
