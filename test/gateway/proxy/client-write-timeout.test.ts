import type { ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateConfig } from '@shadowgate/shared'
import { waitFor, startServer, streamFiller, type TestServer } from '@shadowgate/dev-helpers'
import { send, startGateway, type RunningGateway } from './gateway-fixture.js'


/** A client over a raw socket that sends one request and reads nothing of the answer until told to. */
function stalledClient(port: number, path: string): { socket: Socket; received: () => number; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1')
  socket.pause()
  let received = 0
  socket.on('data', (d: Buffer) => (received += d.length))
  socket.on('error', () => {})
  socket.write(`GET ${path} HTTP/1.1\r\nHost: gw.test\r\n\r\n`)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { socket, received: () => received, closed }
}

async function counter(gateway: RunningGateway, name: string): Promise<number> {
  const values = (await gateway.metrics.registry.getSingleMetric(name)?.get())?.values ?? []
  return values.reduce((sum, v) => sum + v.value, 0)
}

// Regression: a client that requested a large response and never read it held the exchange (and,
// at 100 % audit, its capture) for as long as it stayed connected: proxy.timeout only watches the
// upstream, which was simply paused.
describe('proxy.clientWriteTimeout: a client that takes no response bytes is disconnected', () => {
  let primary: TestServer
  let gateway: RunningGateway
  const primaryResponses: ServerResponse[] = []

  beforeAll(async () => {
    primary = await startServer((req, res) => {
      primaryResponses.push(res)
      streamFiller(res, req.url === '/huge' ? 200 * 1_048_576 : 8 * 1_048_576)
    })
    gateway = await startGateway({ primary: primary.url, proxy: { clientWriteTimeout: '300ms' }, routes: [{ name: 'files', match: '/*' }] })
  })
  afterAll(async () => {
    await gateway?.close()
    await primary?.close()
  })

  it('closes the stalled connection, aborts the primary response, counts it once', async () => {
    const client = stalledClient(gateway.port, '/huge')
    try {
      await waitFor(() => primaryResponses.length === 1, 5_000, 'the primary request')
      // The kernel buffers fill up, then the timeout runs: nothing like the whole 200 MB transfer.
      await waitFor(async () => (await counter(gateway, 'shadowgate_client_write_timeouts_total')) === 1, 10_000, 'the write timeout to be counted')
      await waitFor(() => primaryResponses[0]?.closed === true, 5_000, 'the primary response to be abandoned')
      expect(primaryResponses[0]?.writableFinished).toBe(false)
      // Reading now, the client finds a response cut short and a closed connection.
      client.socket.resume()
      await client.closed
      expect(client.received()).toBeLessThan(200 * 1_048_576)
    } finally {
      client.socket.destroy()
    }
  })

  it('leaves a client that keeps reading alone, however long the transfer takes', async () => {
    const res = await send(gateway.url, '/steady')
    expect(res.body.length).toBe(8 * 1_048_576)
    expect(await counter(gateway, 'shadowgate_client_write_timeouts_total')).toBe(1)
  })

  it('defaults to 60 s, 0 turns it off, and a bad value names the key', () => {
    expect(validateConfig({ primary: 'http://127.0.0.1:1' }).proxy.clientWriteTimeoutMs).toBe(60_000)
    expect(validateConfig({ primary: 'http://127.0.0.1:1', proxy: { clientWriteTimeout: 0 } }).proxy.clientWriteTimeoutMs).toBe(0)
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', proxy: { clientWriteTimeout: 'soon' } })).toThrow(/proxy\.clientWriteTimeout/)
  })
})
