import type { AddressInfo } from 'node:net'
import { validateConfig } from '@shadowgate/shared'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import { startServer, waitFor, type TestServer } from '@shadowgate/dev-helpers'
import { GatewayMetrics } from '../../../gateway/src/metrics/gateway-metrics.js'
import type { MirrorPair, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { mirror } from '../../../gateway/src/mirror/mirror-plugin.js'

// An app that answers requests itself cannot hand them to the new side: for it, canary and final
// are shadow (its answer is the old side's, copies go to the new side), and passthrough copies nothing.
describe('mirror plugin without a proxy, in every stage', () => {
  let newSide: TestServer
  let app: FastifyInstance | undefined
  const pairs: MirrorPair[] = []
  const sink: PairSink = { maxBodyBytes: 1_000, accepts: () => true, push: (p) => void pairs.push(p) }

  beforeAll(async () => {
    newSide = await startServer((_req, res) => void res.end('new'))
  })
  afterEach(async () => {
    await app?.close()
    app = undefined
    newSide.received.length = 0
    pairs.length = 0
  })
  afterAll(async () => {
    await newSide?.close()
  })

  let metrics = new GatewayMetrics()

  async function appIn(stage: string): Promise<{ url: string; upstreams: (string | null)[] }> {
    metrics = new GatewayMetrics()
    const config = validateConfig({ primary: 'http://127.0.0.1:1', routes: [{ name: 'app', match: '/*', new: newSide.url, stage, serve: { percent: 100 }, mirror: { percent: 100 } }] })
    const upstreams: (string | null)[] = []
    const a = Fastify()
    app = a
    await a.register(mirror, { config, pairSink: sink, metrics })
    a.get('/x', async (request) => {
      upstreams.push(request.mirrorUpstream)
      return 'app'
    })
    await a.listen({ port: 0, host: '127.0.0.1' })
    return { url: `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`, upstreams }
  }

  it.each(['canary', 'final', 'shadow'])('%s: the app serves, the copy goes to the new side, the pair is served=old', async (stage) => {
    const { url, upstreams } = await appIn(stage)
    expect(await (await fetch(`${url}/x`)).text()).toBe('app')
    await waitFor(() => pairs.length === 1, 5_000, 'the pair')
    expect(newSide.received).toHaveLength(1)
    expect(upstreams).toEqual([null])
    expect(pairs[0]?.served).toBeUndefined()
  })

  it('passthrough: nothing is copied', async () => {
    const { url } = await appIn('passthrough')
    expect(await (await fetch(`${url}/x`)).text()).toBe('app')
    expect(await (await fetch(`${url}/x`)).text()).toBe('app')
    // Counted when decided, before the answer: no copy can still be on its way.
    expect(metrics.snapshot()['app']).toMatchObject({ mirrored: 0, notMirrored: { not_sampled: 2 } })
    expect(newSide.received).toHaveLength(0)
    expect(pairs).toHaveLength(0)
  })
})
