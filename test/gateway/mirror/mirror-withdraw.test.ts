import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import type { MirrorPair, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

class AccountingSink implements PairSink {
  readonly maxBodyBytes = 1_000
  readonly accepted = new Set<string>()
  readonly pushed = new Set<string>()
  readonly withdrawn = new Set<string>()
  accepts(_route: string, id: string): boolean {
    this.accepted.add(id)
    return true
  }
  push(pair: MirrorPair): void {
    this.pushed.add(pair.request.id)
  }
  withdraw(_route: string, id: string): void {
    this.withdrawn.add(id)
  }
}

// Regression: a pair the sink accepted whose copy was then not sent (a chunked body passing the
// copy limit, circuit open or cap at send time) was never pushed nor withdrawn, so the audit
// producer's accounts (offered = notSampled + enqueued + dropped + buffered + inFlight) drifted.
describe('mirror: accepted pairs whose copy is not sent are withdrawn', () => {
  let origin: TestServer
  let shadow: TestServer
  let gateway: RunningGateway
  const sink = new AccountingSink()

  beforeAll(async () => {
    origin = await startServer((req, res) => void res.end(`ok ${req.body.length}`))
    shadow = await startServer((_req, res) => void res.end('shadow'))
    const routes = [{ name: 'api', match: '/api/*', mirror: { percent: 100, methods: ['POST'], maxBodyBytes: 64 } }]
    gateway = await startGateway({ primary: origin.url, shadow: shadow.url, routes }, { pairSink: sink })
  })
  afterAll(async () => {
    await gateway?.close()
    await origin?.close()
    await shadow?.close()
  })

  it('every accepted pair ends pushed or withdrawn, exactly once', async () => {
    const chunked = function* (): Iterable<Buffer> {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(32, 97)
    }
    for (let i = 0; i < 5; i++) {
      const small = await send(gateway.url, `/api/small-${i}`, { method: 'POST', body: 'tiny' })
      expect(small.status).toBe(200)
      // No Content-Length: the copy is only given up once the streamed body passes 64 bytes.
      const big = await send(gateway.url, `/api/big-${i}`, { method: 'POST', body: chunked() })
      expect(big.body.toString()).toBe('ok 320')
    }
    await waitFor(() => sink.pushed.size + sink.withdrawn.size === sink.accepted.size, 10_000, `every accepted pair to be settled (${sink.accepted.size} accepted, ${sink.pushed.size} pushed, ${sink.withdrawn.size} withdrawn)`)
    expect(sink.accepted.size).toBe(10)
    expect(sink.pushed.size).toBe(5)
    expect(sink.withdrawn.size).toBe(5)
    for (const id of sink.withdrawn) expect(sink.pushed.has(id)).toBe(false)
    const counters = gateway.metrics.snapshot()['api']
    expect(counters?.mirrored).toBe(5)
    expect(counters?.notMirrored.body_too_large).toBe(5)
  })
})
