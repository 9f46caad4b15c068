import { createHash, randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'
import { rawHeaderValues, send, startGateway, type RunningGateway } from './gateway-fixture.js'

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** 20 MB in 64 KiB chunks, generated lazily so the client streams it. */
function* chunks(total: number, seed: Buffer): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += seed.length) yield sent + seed.length <= total ? seed : seed.subarray(0, total - sent)
}

describe('proxy: byte-identical forwarding', () => {
  let origin: TestServer
  let gateway: RunningGateway
  const big = randomBytes(64 * 1024)
  const gz = gzipSync(Buffer.from('{"hello":"compressed world"}'.repeat(100)))
  const binary = randomBytes(70_000)

  beforeAll(async () => {
    origin = await startServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]
      if (path === '/upload') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end(`${req.body.length} ${sha256(req.body)}`)
      } else if (path === '/download') {
        // Chunked (no content-length): 20 MB written piecewise.
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        const it = chunks(20 * 1024 * 1024, big)
        const pump = (): void => {
          for (let n = it.next(); !n.done; n = it.next()) if (!res.write(n.value)) return void res.once('drain', pump)
          res.end()
        }
        pump()
      } else if (path === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length })
        res.end(gz)
      } else if (path === '/binary') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': binary.length })
        res.end(binary)
      } else if (path === '/chunked') {
        res.write('first,')
        setTimeout(() => res.end('second'), 20)
      } else if (path === '/cookies') {
        res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; HttpOnly', 'c=3'])
        res.setHeader('X-Custom-Case', 'kept')
        res.end('ok')
      } else if (path === '/head') {
        res.writeHead(200, { 'content-length': '1234', etag: '"v1"' })
        res.end()
      } else if (path === '/204') {
        res.writeHead(204, { 'x-done': 'yes' })
        res.end()
      } else if (path === '/304') {
        res.writeHead(304, { etag: '"v1"' })
        res.end()
      } else if (path === '/nodate') {
        res.sendDate = false
        res.end('no date')
      } else {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ method: req.method, url: req.url, body: req.body.toString('base64') }))
      }
    })
    gateway = await startGateway({ primary: origin.url })
  })
  afterAll(async () => {
    await gateway?.close()
    await origin?.close()
  })

  it('streams a 20 MB chunked upload to the primary byte for byte', async () => {
    const total = 20 * 1024 * 1024
    const expected = createHash('sha256')
    for (const c of chunks(total, big)) expected.update(c)
    const res = await send(gateway.url, '/upload', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: chunks(total, big) })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe(`${total} ${expected.digest('hex')}`)
  })

  it('streams a 20 MB chunked download to the client byte for byte', async () => {
    const expected = createHash('sha256')
    for (const c of chunks(20 * 1024 * 1024, big)) expected.update(c)
    const res = await send(gateway.url, '/download')
    expect(res.status).toBe(200)
    expect(res.body.length).toBe(20 * 1024 * 1024)
    expect(sha256(res.body)).toBe(expected.digest('hex'))
    expect(res.headers['transfer-encoding']).toBe('chunked')
  })

  it('passes gzip through untouched: same bytes, same content-encoding and length', async () => {
    const res = await send(gateway.url, '/gzip', { headers: { 'accept-encoding': 'gzip' } })
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(res.headers['content-length']).toBe(String(gz.length))
    expect(res.body.equals(gz)).toBe(true)
  })

  it('relays binary bodies and a chunked response exactly', async () => {
    const bin = await send(gateway.url, '/binary')
    expect(bin.body.equals(binary)).toBe(true)
    const chunked = await send(gateway.url, '/chunked')
    expect(chunked.body.toString()).toBe('first,second')
    expect(chunked.headers['transfer-encoding']).toBe('chunked')
  })

  it('keeps every Set-Cookie and the upstream header spelling', async () => {
    const res = await send(gateway.url, '/cookies')
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly', 'c=3'])
    expect(res.rawHeaders).toContain('X-Custom-Case')
  })

  it('answers HEAD with the headers and no body, 204 and 304 without bodies', async () => {
    const head = await send(gateway.url, '/head', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe('1234')
    expect(head.body.length).toBe(0)
    const noContent = await send(gateway.url, '/204')
    expect(noContent.status).toBe(204)
    expect(noContent.headers['x-done']).toBe('yes')
    expect(noContent.body.length).toBe(0)
    const notModified = await send(gateway.url, '/304', { headers: { 'if-none-match': '"v1"' } })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.etag).toBe('"v1"')
    expect(notModified.body.length).toBe(0)
  })

  it('does not add a Date header the upstream did not send', async () => {
    const res = await send(gateway.url, '/nodate')
    expect(res.body.toString()).toBe('no date')
    expect(rawHeaderValues(res.rawHeaders, 'date')).toEqual([])
  })

  it('forwards the raw request target byte for byte, odd encodings included', async () => {
    const targets = ['/echo?x=%zz&y=a+b&z=%E2%82%AC&&w==&v', '/echo/a%2Fb/%7E?q=%25%2', '/a%zz/b?q=1', '/echo//double//slash?', '/echo;matrix=1?a=b;c']
    for (const target of targets) {
      const res = await send(gateway.url, target)
      expect(res.status, target).toBe(200)
      expect((JSON.parse(res.body.toString()) as { url: string }).url, target).toBe(target)
    }
  })

  it('forwards every method with its body, including ones Fastify does not know', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'PURGE']) {
      const body = method === 'GET' ? undefined : `body of ${method}`
      const res = await send(gateway.url, `/m/${method}`, { method, body, headers: body ? { 'content-type': 'x-weird/type; param' } : {} })
      expect(res.status, method).toBe(200)
      const seen = JSON.parse(res.body.toString()) as { method: string; body: string }
      expect(seen.method).toBe(method)
      expect(Buffer.from(seen.body, 'base64').toString()).toBe(body ?? '')
    }
  })

  it('forwards bodies whatever their content type, even malformed ones', async () => {
    const payload = randomBytes(5_000)
    for (const type of ['application/json', 'not a type', 'multipart/form-data; boundary=x', '']) {
      const res = await send(gateway.url, '/any', { method: 'POST', body: payload, headers: type ? { 'content-type': type } : {} })
      expect(res.status, type).toBe(200)
      expect(Buffer.from((JSON.parse(res.body.toString()) as { body: string }).body, 'base64').equals(payload), type).toBe(true)
    }
  })
})
