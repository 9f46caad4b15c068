import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from './gateway-fixture.js'

// Both directions must flow chunk by chunk: if the gateway buffered a whole body, the first
// chunk would never arrive before the last was sent, and these exchanges would never finish.
describe('proxy: streaming without buffering whole bodies', () => {
  let origin: Server
  let originUrl: string
  let gateway: RunningGateway
  let releaseResponse: (() => void) | undefined

  beforeAll(async () => {
    origin = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/trickle-down') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('first chunk;')
        releaseResponse = () => res.end('last chunk')
      } else {
        // Echo each upload chunk as it arrives, so the client sees its first chunk come back before sending the rest.
        res.writeHead(200, { 'content-type': 'text/plain' })
        req.on('data', (c: Buffer) => res.write(c))
        req.on('end', () => res.end())
      }
    })
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r))
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`
    gateway = await startGateway({ primary: originUrl })
  })
  afterAll(async () => {
    await gateway?.close()
    origin?.closeAllConnections()
    await new Promise<void>((r) => origin.close(() => r()))
  })

  it('delivers the first response chunk while the upstream is still sending', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/trickle-down`, { agent: false }, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
          if (text === 'first chunk;') releaseResponse?.()
        })
        res.on('end', () => resolve(text))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
    expect(body).toBe('first chunk;last chunk')
  })

  it('delivers the first request chunk upstream while the client is still sending', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/trickle-up`, { method: 'POST', agent: false }, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
          if (text === 'one;') req.end('two')
        })
        res.on('end', () => resolve(text))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.flushHeaders()
      req.write('one;')
    })
    expect(echoed).toBe('one;two')
  })
})
