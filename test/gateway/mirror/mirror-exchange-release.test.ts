import { request as httpRequest, type IncomingMessage } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

// A fresh context compiled after the flag is set exposes V8's gc() without restarting the process.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function getClosing(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

async function collect(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc()
    await new Promise((r) => setImmediate(r))
  }
}

// Regression: a copy waiting on a slow shadow held the client's IncomingMessage and ServerResponse
// (and all they reference) until the shadow answered, so each in-flight copy promoted a client
// request's object graph to the old generation and made every scavenge slower.
describe('mirror: a copy in flight does not keep the client request alive', () => {
  let origin: TestServer
  let shadow: TestServer
  let gateway: RunningGateway

  beforeAll(async () => {
    origin = await startServer((_req, res) => void res.end('primary'))
    shadow = await startServer((_req, res) => void setTimeout(() => res.end('late'), 4_000))
    gateway = await startGateway({ primary: origin.url, shadow: shadow.url, routes: [{ name: 'all', match: '/*', mirror: { percent: 100 } }] })
  })
  afterAll(async () => {
    await gateway?.close()
    await shadow?.close()
    await origin?.close()
  })

  it('releases the client request and response once the copy is sent', async () => {
    const refs: Array<WeakRef<IncomingMessage>> = []
    gateway.app.server.on('request', (req: IncomingMessage) => refs.push(new WeakRef(req)))
    const statuses = await Promise.all(Array.from({ length: 5 }, (_, i) => getClosing(`${gateway.url}/item/${i}`)))
    expect(statuses).toEqual([200, 200, 200, 200, 200])
    // The copies are still waiting for the shadow while we look.
    await waitFor(() => shadow.received.length === 5, 5_000, 'the shadow to receive the five copies')
    expect(Object.values(gateway.mirror.stats().shadows)[0]?.inFlight).toBe(5)
    await collect()
    expect(refs).toHaveLength(5)
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0)
  })
})
