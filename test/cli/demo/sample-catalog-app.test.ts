import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSampleCatalogApp, SAMPLE_V2_FAIL_EVERY } from '../../../cli/src/demo/sample-catalog-app.js'
import { SAMPLE_CATEGORIES, SAMPLE_PRODUCTS } from '../../../cli/src/demo/sample-catalog-data.js'
import { freePort, waitFor } from '@shadowgate/dev-helpers'

type Json = Record<string, unknown>

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  raw: Buffer
}

const agent = new Agent({ connections: 8 })
const CLI = fileURLToPath(new URL('../../../cli/dist/src/demo/sample-catalog-app.js', import.meta.url))

async function call(base: string, path: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const res = await request(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body, dispatcher: agent })
  const raw = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, raw }
}

function json(a: Answer): Json {
  const text = a.headers['content-encoding'] === 'gzip' ? gunzipSync(a.raw).toString('utf8') : a.raw.toString('utf8')
  return JSON.parse(text) as Json
}

/** The body without the fields that differ on every call. */
function stable(body: Json): Json {
  const { generatedAt: _g, requestId: _r, ...rest } = body
  return rest
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  if (!addr || typeof addr === 'string') throw new Error('no port')
  return `http://127.0.0.1:${addr.port}`
}

afterAll(async () => {
  await agent.close()
})

describe('buildSampleCatalogApp', () => {
  const v1 = buildSampleCatalogApp({ variant: 'v1' })
  const v2 = buildSampleCatalogApp({ variant: 'v2' })
  let u1 = ''
  let u2 = ''

  beforeAll(async () => {
    u1 = await listen(v1)
    u2 = await listen(v2)
  })
  afterAll(async () => {
    await v1.close()
    await v2.close()
  })

  it('answers /health with its variant on both sides', async () => {
    for (const [base, variant] of [
      [u1, 'v1'],
      [u2, 'v2'],
    ] as const) {
      const a = await call(base, '/health')
      expect(a.status).toBe(200)
      expect(a.headers['x-catalog-variant']).toBe(variant)
      expect(stable(json(a))).toEqual({ status: 'ok', variant })
    }
  })

  it('adds a fresh generatedAt and requestId to every body, different on every call', async () => {
    const seen = new Set<string>()
    for (const base of [u1, u2]) {
      for (const path of ['/products/1', '/categories', '/search?q=knife', '/health']) {
        const body = json(await call(base, path))
        expect(typeof body['generatedAt']).toBe('string')
        expect(Number.isNaN(Date.parse(String(body['generatedAt'])))).toBe(false)
        expect(body['requestId']).toMatch(/^[0-9a-f-]{36}$/)
        seen.add(String(body['requestId']))
      }
    }
    expect(seen.size).toBe(8)
  })

  it('rounds some prices differently: cents on v1, tenths on v2', async () => {
    const p1 = json(await call(u1, '/products/2'))
    const p2 = json(await call(u2, '/products/2'))
    expect(p1['price']).toBe(19.99)
    expect(p2['price']).toBe(20)
    // 4.500 rounds the same way on both sides.
    expect(json(await call(u1, '/products/5'))['price']).toBe(4.5)
    expect(json(await call(u2, '/products/5'))['price']).toBe(4.5)
  })

  it('renames name to title on GET /products/:id in v2 only', async () => {
    const p1 = stable(json(await call(u1, '/products/7')))
    const p2 = stable(json(await call(u2, '/products/7')))
    expect(p1['name']).toBe('Field guide to birds')
    expect(p1).not.toHaveProperty('title')
    expect(p2['title']).toBe('Field guide to birds')
    expect(p2).not.toHaveProperty('name')
    const { name: _n, ...rest1 } = p1
    const { title: _t, ...rest2 } = p2
    expect(rest2).toEqual(rest1)
  })

  it('lists the same products on both sides, only the rounded prices differ, keeping name on the list', async () => {
    const l1 = stable(json(await call(u1, '/products')))
    const l2 = stable(json(await call(u2, '/products')))
    const items1 = l1['items'] as Json[]
    const items2 = l2['items'] as Json[]
    expect(items1).toHaveLength(SAMPLE_PRODUCTS.length)
    expect(l1['total']).toBe(SAMPLE_PRODUCTS.length)
    expect(items2.map((i) => i['name'])).toEqual(items1.map((i) => i['name']))
    const differing = items1.filter((item, i) => item['price'] !== items2[i]?.['price']).map((i) => i['id'])
    expect(differing).toEqual([2, 4, 6, 8, 9, 11])
    expect(items1.map(({ price: _p, ...r }) => r)).toEqual(items2.map(({ price: _p, ...r }) => r))
  })

  it('sorts categories by id on v1 and by name on v2, with the same members', async () => {
    const c1 = json(await call(u1, '/categories'))['categories'] as Json[]
    const c2 = json(await call(u2, '/categories'))['categories'] as Json[]
    expect(c1.map((c) => c['id'])).toEqual([1, 2, 3, 4, 5])
    expect(c2.map((c) => c['name'])).toEqual(['Audio', 'Bicycles', 'Books', 'Garden', 'Kitchen'])
    expect([...c2].sort((a, b) => Number(a['id']) - Number(b['id']))).toEqual(c1)
    expect(c1).toHaveLength(SAMPLE_CATEGORIES.length)
  })

  it('fails every Nth /search with 500 on v2 and never on v1', async () => {
    const statuses = async (base: string): Promise<number[]> => {
      const out: number[] = []
      for (let i = 0; i < 2 * SAMPLE_V2_FAIL_EVERY; i++) out.push((await call(base, '/search?q=tools')).status)
      return out
    }
    const s1 = await statuses(u1)
    const s2 = await statuses(u2)
    expect(s1.every((s) => s === 200)).toBe(true)
    expect(s2.filter((s) => s === 500)).toHaveLength(2)
    expect(s2.filter((s) => s === 200)).toHaveLength(2 * SAMPLE_V2_FAIL_EVERY - 2)
  })

  it('finds products by name or tag', async () => {
    const body = stable(json(await call(u1, '/search?q=cycling')))
    expect(body['query']).toBe('cycling')
    expect((body['results'] as Json[]).map((r) => r['id'])).toEqual([11, 12])
    expect(stable(json(await call(u1, '/search')))).toEqual({ query: '', results: [], total: 0 })
  })

  it('gzips GET /products only for clients that accept gzip', async () => {
    const zipped = await call(u1, '/products', { headers: { 'accept-encoding': 'gzip, deflate' } })
    expect(zipped.status).toBe(200)
    expect(zipped.headers['content-encoding']).toBe('gzip')
    expect(zipped.headers['content-type']).toMatch(/^application\/json/)
    expect(zipped.raw[0]).toBe(0x1f)
    expect(zipped.raw[1]).toBe(0x8b)
    const plain = await call(u1, '/products')
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(stable(json(zipped))).toEqual(stable(json(plain)))
    const refused = await call(u1, '/products', { headers: { 'accept-encoding': 'gzip;q=0, identity' } })
    expect(refused.headers['content-encoding']).toBeUndefined()
    // Other endpoints are never compressed.
    expect((await call(u1, '/categories', { headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding']).toBeUndefined()
  })

  it('accepts orders and answers invalid ones with clear 4xx errors', async () => {
    const post = (base: string, body: unknown): Promise<Answer> =>
      call(base, '/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const ok1 = await post(u1, { productId: 2, quantity: 3 })
    const ok2 = await post(u2, { productId: 2, quantity: 3 })
    expect(ok1.status).toBe(201)
    expect(stable(json(ok1))['order']).toEqual({ id: 'ord-2-3', productId: 2, quantity: 3, unitPrice: 19.99, total: 59.97, status: 'accepted' })
    expect((stable(json(ok2))['order'] as Json)['total']).toBe(60)
    const bad = await post(u1, { productId: 'two', quantity: 1 })
    expect(bad.status).toBe(400)
    expect(json(bad)['error']).toMatch(/productId/)
    expect((await post(u1, { productId: 1, quantity: 0 })).status).toBe(400)
    expect((await post(u1, { productId: 99, quantity: 1 })).status).toBe(404)
    const soldOut = await post(u1, { productId: 6, quantity: 1 })
    expect(soldOut.status).toBe(409)
    expect(json(soldOut)['available']).toBe(0)
  })

  it('answers unknown and malformed product ids with 404 and 400', async () => {
    expect((await call(u2, '/products/999')).status).toBe(404)
    const bad = await call(u2, '/products/abc')
    expect(bad.status).toBe(400)
    expect(json(bad)['error']).toMatch(/positive whole number/)
  })

  it('lets failEvery make v1 fail too, and rejects bad options by name', async () => {
    const flaky = buildSampleCatalogApp({ variant: 'v1', failEvery: 1 })
    try {
      const res = await flaky.inject({ method: 'GET', url: '/search?q=x' })
      expect(res.statusCode).toBe(500)
    } finally {
      await flaky.close()
    }
    expect(() => buildSampleCatalogApp({ variant: 'v3' as 'v1' })).toThrow(expect.objectContaining({ code: 'SG_INVALID_SETTING', message: expect.stringContaining('variant') }))
    expect(() => buildSampleCatalogApp({ variant: 'v2', failEvery: -1 })).toThrow(expect.objectContaining({ code: 'SG_INVALID_SETTING', message: expect.stringContaining('failEvery') }))
  })
})

describe('sample-catalog-app as a script', () => {
  it('serves the chosen variant on the given port and exits cleanly on SIGTERM', async () => {
    expect(existsSync(CLI), `${CLI} is missing: run npx tsc -b first`).toBe(true)
    const port = await freePort()
    const child = spawn(process.execPath, [CLI, '--variant', 'v2', '--port', String(port), '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = once(child, 'exit')
    try {
      let health: Json = {}
      await waitFor(async () => {
        const a = await call(`http://127.0.0.1:${port}`, '/health')
        health = json(a)
        return a.status === 200
      }, 15_000, `the script to listen (${output})`)
      expect(health['variant']).toBe('v2')
    } finally {
      child.kill('SIGTERM')
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    const [code] = (await exited) as [number | null]
    clearTimeout(timer)
    expect(code).toBe(0)
    expect(output).toContain('shutting down')
  })

  it('refuses an unknown variant with a clear message and exit code 2', async () => {
    const child = spawn(process.execPath, [CLI, '--variant', 'v9', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    const [code] = (await once(child, 'exit')) as [number | null]
    clearTimeout(timer)
    expect(code).toBe(2)
    expect(stderr).toContain('variant must be "v1" or "v2" (got "v9")')
  })
})
