// Claims of SECURITY.md, section "What the write log stores" (fetch sends accept: */*, a default-listed header).
import { request } from 'node:http'
import { decodeWriteEntry, writeStreamKey } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteLogFixture, writeLogConfig } from './write-log-rig.js'

describe('what the write log stores', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('records only the listed headers: Authorization and cookies only when a route lists them', async () => {
    const { redis, old, next } = await fx.start()
    const plain = await fx.gateway(writeLogConfig(redis.url, 'plain', old, next, { appendTimeout: '2s' }))
    const listed = await fx.gateway(writeLogConfig(redis.url, 'listed', old, next, { appendTimeout: '2s', headers: ['content-type', 'authorization'] }))
    const headers = { 'content-type': 'application/json', authorization: 'Bearer secret-token', cookie: 'sid=secret-cookie', 'x-api-key': 'secret-key' }
    for (const g of [plain, listed]) {
      const res = await fetch(`${g.traffic}/items/a?q=1`, { method: 'PUT', headers, body: '{"name":"a"}' })
      expect(res.status).toBeLessThan(300)
    }
    const client = fx.add(new Redis(redis.url), (c) => c.disconnect())
    const entryOf = async (prefix: string): Promise<ReturnType<typeof decodeWriteEntry>> => {
      const [first] = await client.xrange(writeStreamKey(prefix, 'items', 0), '-', '+')
      return decodeWriteEntry(first?.[1])
    }
    const p = await entryOf('plain')
    expect(p.type === 'intent' && Object.keys(p.headers).sort()).toEqual(['accept', 'content-type', 'idempotency-key'])
    expect(p.type === 'intent' && [p.method, p.target, p.body.toString()]).toEqual(['PUT', '/items/a?q=1', '{"name":"a"}'])
    const l = await entryOf('listed')
    expect(l.type === 'intent' && l.headers['authorization']).toBe('Bearer secret-token')
    expect(l.type === 'intent' && Object.keys(l.headers).sort()).toEqual(['authorization', 'content-type', 'idempotency-key'])
    // The old side saw the same key the entry records.
    expect(old.writes.map((w) => w.key)).toContain(p.type === 'intent' ? p.key : 'none')
  }, 30_000)

  it('forwards a chunked write whole, with its length, and the old side applies the bytes the log holds', async () => {
    const { redis, old, next } = await fx.start()
    const g = await fx.gateway(writeLogConfig(redis.url, 'chunked', old, next, { appendTimeout: '2s' }))
    const url = new URL(`${g.traffic}/items/c`)
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      // No content-length: sent as chunks, in two writes.
      req.write('{"name":')
      setTimeout(() => req.end('"chunked ✓"}'), 20)
    })
    expect(status).toBeLessThan(300)
    expect(old.items.get('c')?.name).toBe('chunked ✓')
    const client = fx.add(new Redis(redis.url), (c) => c.disconnect())
    const [first] = await client.xrange(writeStreamKey('chunked', 'items', 0), '-', '+')
    const e = decodeWriteEntry(first?.[1])
    expect(e.type === 'intent' && e.body.toString()).toBe('{"name":"chunked ✓"}')
  }, 30_000)
})
