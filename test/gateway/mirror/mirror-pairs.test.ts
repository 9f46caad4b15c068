import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import type { MirrorPair, ObservedResponse, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { headerLinesRecord } from '../capture/capture-fixtures.js'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

class RecordingSink implements PairSink {
  readonly maxBodyBytes = 100
  readonly pairs: MirrorPair[] = []
  readonly asked: string[] = []
  accept = true
  throwOnPush = false
  accepts(_route: string, id: string): boolean {
    this.asked.push(id)
    return this.accept
  }
  push(pair: MirrorPair): void {
    if (this.throwOnPush) throw new Error('sink exploded')
    this.pairs.push(pair)
  }
  pair(url: string): MirrorPair | undefined {
    return this.pairs.find((p) => p.request.url === url)
  }
}

const response = (o: MirrorPair['primary'] | undefined): ObservedResponse => {
  if (o?.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(o)}`)
  return o
}

describe('mirror: audit pairs', () => {
  let origin: TestServer
  let shadow: TestServer
  let gateway: RunningGateway
  let deadShadowGateway: RunningGateway
  const sink = new RecordingSink()

  beforeAll(async () => {
    origin = await startServer((req, res) => {
      if (req.url === '/api/big') return void res.end(Buffer.alloc(500, 112))
      if (req.url === '/api/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('first part ')
        setTimeout(() => res.end('never seen'), 300)
        return
      }
      res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] })
      res.end(JSON.stringify({ side: 'primary', url: req.url, body: req.body.toString() }))
    })
    shadow = await startServer((req, res) => {
      if (req.url === '/api/big') return void res.end(Buffer.alloc(300, 115))
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ side: 'shadow', url: req.url }))
    })
    const routes = [{ name: 'api', match: '/api/*', mirror: { percent: 100, methods: ['GET', 'POST'] } }]
    gateway = await startGateway({ primary: origin.url, shadow: shadow.url, routes }, { pairSink: sink })
    deadShadowGateway = await startGateway({ primary: origin.url, shadow: `http://127.0.0.1:${await freePort()}`, routes }, { pairSink: sink })
  })
  afterAll(async () => {
    await gateway?.close()
    await deadShadowGateway?.close()
    await origin?.close()
    await shadow?.close()
  })

  it('pairs the exact primary and shadow responses with the request', async () => {
    const res = await send(gateway.url, '/api/small?x=1', { headers: { 'x-trace': 't1' } })
    await waitFor(() => sink.pair('/api/small?x=1') !== undefined, 10_000, 'the pair')
    const pair = sink.pair('/api/small?x=1') as MirrorPair
    expect(pair.request).toMatchObject({ route: 'api', method: 'GET', url: '/api/small?x=1', clientIp: '127.0.0.1' })
    expect(pair.request.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(sink.asked).toContain(pair.request.id)
    expect(pair.request.headers['x-trace']).toBe('t1')
    expect(pair.request.body.length).toBe(0)
    const primary = response(pair.primary)
    expect(primary.status).toBe(201)
    expect(primary.body.equals(res.body)).toBe(true)
    expect(primary.truncated).toBe(false)
    expect(headerLinesRecord(primary.headers)['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(headerLinesRecord(primary.headers)['content-type']).toBe('application/json')
    const shadowSide = response(pair.shadow)
    expect(shadowSide.status).toBe(200)
    expect(JSON.parse(shadowSide.body.toString())).toEqual({ side: 'shadow', url: '/api/small?x=1' })
    expect(shadowSide.truncated).toBe(false)
  })

  it('carries the buffered request body', async () => {
    const body = JSON.stringify({ order: 42 })
    await send(gateway.url, '/api/orders', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    await waitFor(() => sink.pair('/api/orders') !== undefined, 10_000, 'the pair')
    expect(sink.pair('/api/orders')?.request.body.toString()).toBe(body)
  })

  it('captures at most maxBodyBytes per side and marks the rest truncated; the client still gets everything', async () => {
    const res = await send(gateway.url, '/api/big')
    expect(res.body.length).toBe(500)
    await waitFor(() => sink.pair('/api/big') !== undefined, 10_000, 'the pair')
    const pair = sink.pair('/api/big') as MirrorPair
    expect(response(pair.primary).body.equals(Buffer.alloc(100, 112))).toBe(true)
    expect(response(pair.primary).truncated).toBe(true)
    expect(response(pair.shadow).body.equals(Buffer.alloc(100, 115))).toBe(true)
    expect(response(pair.shadow).truncated).toBe(true)
  })

  it('stops reading a shadow response past mirror.maxResponseBytes and marks it truncated', async () => {
    const bigShadow = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      for (let i = 0; i < 64; i++) res.write(Buffer.alloc(16 * 1024, 122))
      res.end()
    })
    const capped = await startGateway(
      { primary: origin.url, shadow: bigShadow.url, mirror: { maxResponseBytes: 1_000 }, routes: [{ name: 'api', match: '/api/*', mirror: { percent: 100 } }] },
      { pairSink: sink },
    )
    try {
      await send(capped.url, '/api/huge-shadow')
      await waitFor(() => sink.pair('/api/huge-shadow') !== undefined, 10_000, 'the pair')
      const shadowSide = response(sink.pair('/api/huge-shadow')?.shadow)
      expect(shadowSide.truncated).toBe(true)
      expect(shadowSide.body.length).toBe(100)
      expect(capped.metrics.snapshot()['api']?.shadowErrors).toBe(0)
    } finally {
      await capped.close()
      await bigShadow.close()
    }
  })

  it('reports a failing shadow as an observed failure', async () => {
    await send(deadShadowGateway.url, '/api/dead-shadow')
    await waitFor(() => sink.pair('/api/dead-shadow') !== undefined, 10_000, 'the pair')
    expect(sink.pair('/api/dead-shadow')?.shadow).toMatchObject({ kind: 'error', error: 'refused' })
  })

  it('reports a client that aborts mid-response as a primary failure `aborted`', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/api/slow`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy()
          resolve()
        })
      })
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)))
      req.end()
    })
    await waitFor(() => sink.pair('/api/slow') !== undefined, 10_000, 'the pair')
    expect(sink.pair('/api/slow')?.primary).toMatchObject({ kind: 'error', error: 'aborted' })
  })

  it('pushes each pair exactly once', async () => {
    await send(gateway.url, '/api/once')
    await waitFor(() => sink.pair('/api/once') !== undefined, 10_000, 'the pair')
    await send(gateway.url, '/api/later')
    await waitFor(() => sink.pair('/api/later') !== undefined, 10_000, 'the next pair')
    const ids = sink.pairs.map((p) => p.request.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('captures nothing for requests the sink does not accept, and a throwing sink breaks nothing', async () => {
    sink.accept = false
    try {
      const asked = sink.asked.length
      await send(gateway.url, '/api/declined')
      await waitFor(() => shadow.received.some((r) => r.url === '/api/declined'), 10_000, 'the copy')
      expect(sink.asked.length).toBe(asked + 1)
    } finally {
      sink.accept = true
    }
    sink.throwOnPush = true
    try {
      const res = await send(gateway.url, '/api/throwing')
      expect(res.status).toBe(201)
      await waitFor(() => shadow.received.some((r) => r.url === '/api/throwing'), 10_000, 'the copy')
      expect((await send(gateway.url, '/api/after-throw')).status).toBe(201)
    } finally {
      sink.throwOnPush = false
    }
    await send(gateway.url, '/api/sentinel')
    await waitFor(() => sink.pair('/api/sentinel') !== undefined, 10_000, 'the sentinel pair')
    expect(sink.pair('/api/declined')).toBeUndefined()
  })
})
