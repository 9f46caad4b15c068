import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

// Whatever the shadow does, every client gets the primary's complete, correct answer.
// (Correctness and completion only: how fast is the benchmark's business.)
describe('mirror: isolation of the primary from the shadow', () => {
  let origin: TestServer
  const shadows: TestServer[] = []
  const gateways: Record<string, RunningGateway> = {}

  beforeAll(async () => {
    origin = await startServer((req, res) => {
      const payload = Buffer.from(`${req.method} ${req.url} ${sha(req.body)}`.repeat(200))
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': payload.length })
      res.end(payload)
    })
    const sleepy = await startServer((_req, res) => void setTimeout(() => res.end('late'), 2_000))
    const silent = await startServer(() => {})
    shadows.push(sleepy, silent)
    const refusing = `http://127.0.0.1:${await freePort()}`
    const targets: Record<string, string> = { sleepy: sleepy.url, silent: silent.url, refusing }
    for (const [name, shadow] of Object.entries(targets)) {
      gateways[name] = await startGateway({
        primary: origin.url,
        shadow,
        routes: [{ name: 'all', match: '/*', mirror: { percent: 100, methods: ['GET', 'POST'] } }],
      })
    }
  })
  afterAll(async () => {
    for (const g of Object.values(gateways)) await g.close()
    for (const s of shadows) await s.close()
    await origin?.close()
  })

  for (const kind of ['sleepy', 'silent', 'refusing']) {
    it(`serves every request completely and correctly with a ${kind} shadow`, async () => {
      const gateway = gateways[kind] as RunningGateway
      const requests = Array.from({ length: 30 }, (_, i) => {
        const body = i % 2 === 0 ? undefined : Buffer.from(`payload ${i} `.repeat(50))
        return { i, method: body ? 'POST' : 'GET', url: `/item/${i}?k=${kind}`, body }
      })
      const results = await Promise.all(requests.map((r) => send(gateway.url, r.url, { method: r.method, body: r.body })))
      results.forEach((res, i) => {
        const r = requests[i] as (typeof requests)[number]
        expect(res.status).toBe(200)
        expect(res.body.toString()).toBe(`${r.method} ${r.url} ${sha(r.body ?? Buffer.alloc(0))}`.repeat(200))
      })
      const counters = gateway.metrics.snapshot()['all']
      expect(counters?.requests).toBe(30)
      // A refusing shadow trips the breaker after 10 failures; the rest are not even attempted.
      if (kind === 'refusing') expect((counters?.mirrored ?? 0) + (counters?.notMirrored.circuit_open ?? 0)).toBe(30)
      else expect(counters?.mirrored).toBe(30)
    })
  }
})
