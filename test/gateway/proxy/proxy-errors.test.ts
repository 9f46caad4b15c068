import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { send, startGateway, type RunningGateway } from './gateway-fixture.js'

/** A pino logger whose lines land in `lines` as parsed objects. */
function memoryLogger(lines: Record<string, unknown>[]): ReturnType<typeof pino> {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>)
      cb()
    },
  })
  return pino({ level: 'warn' }, sink)
}

describe('proxy: upstream failures', () => {
  let origin: TestServer
  let gateway: RunningGateway
  let deadGateway: RunningGateway
  const logLines: Record<string, unknown>[] = []

  beforeAll(async () => {
    origin = await startServer((req, res) => {
      if (req.url === '/never') return // never answers
      if (req.url === '/cut-length') {
        res.writeHead(200, { 'content-length': '100000' })
        res.write(Buffer.alloc(1000, 97))
        setTimeout(() => res.socket?.destroy(), 20)
        return
      }
      if (req.url === '/cut-chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('partial ')
        setTimeout(() => res.socket?.destroy(), 20)
        return
      }
      res.end('fine')
    })
    gateway = await startGateway(
      { primary: origin.url, proxy: { timeout: '300ms' }, routes: [{ name: 'slow', match: '/never' }] },
      { logger: memoryLogger(logLines) },
    )
    deadGateway = await startGateway({ primary: `http://127.0.0.1:${await freePort()}` })
  })
  afterAll(async () => {
    await gateway?.close()
    await deadGateway?.close()
    await origin?.close()
  })

  it('answers 502 with a JSON body when the primary refuses connections', async () => {
    const res = await send(deadGateway.url, '/anything')
    expect(res.status).toBe(502)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const body = JSON.parse(res.body.toString()) as { error: string; code: string }
    expect(body.code).toBe('SG_UPSTREAM_UNAVAILABLE')
    expect(body.error).toMatch(/refused/)
  })

  it('answers 504 with a JSON body when the primary does not answer in time, and logs it', async () => {
    const res = await send(gateway.url, '/never')
    expect(res.status).toBe(504)
    expect((JSON.parse(res.body.toString()) as { code: string }).code).toBe('SG_UPSTREAM_TIMEOUT')
    const line = logLines.find((l) => l['msg'] === 'primary upstream failed')
    expect(line).toMatchObject({ level: 40, route: 'slow', kind: 'timeout', upstream: origin.url })
    expect((await gateway.metrics.registry.getSingleMetric('shadowgate_primary_errors_total')?.get())?.values).toContainEqual(
      expect.objectContaining({ labels: { route: 'slow', kind: 'timeout' }, value: 1 }),
    )
  })

  it('keeps serving after failures', async () => {
    expect((await send(gateway.url, '/ok')).body.toString()).toBe('fine')
  })

  it('destroys the client connection when the primary dies mid-body (content-length)', async () => {
    await expect(send(gateway.url, '/cut-length')).rejects.toThrow()
  })

  it('destroys the client connection when the primary dies mid-body (chunked): never a clean end', async () => {
    await expect(send(gateway.url, '/cut-chunked')).rejects.toThrow()
    await expect.poll(() => logLines.some((l) => l['midBody'] === true)).toBe(true)
  })

  it('answers 400 with a JSON body for a request target that cannot be forwarded', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(gateway.port, '127.0.0.1', () => socket.write('OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
      let data = ''
      socket.on('data', (c: Buffer) => (data += c.toString()))
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
    })
    expect(raw).toMatch(/^HTTP\/1\.1 400 /)
    expect(raw).toContain('"code":"SG_INVALID_REQUEST_TARGET"')
  })

  it('forwards absolute-form request targets as origin-form', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(gateway.port, '127.0.0.1', () => socket.write('GET http://shop.example/abs?x=1 HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n'))
      let data = ''
      socket.on('data', (c: Buffer) => (data += c.toString()))
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
    })
    expect(raw).toMatch(/^HTTP\/1\.1 200 /)
    expect(origin.received.at(-1)?.url).toBe('/abs?x=1')
  })
})
