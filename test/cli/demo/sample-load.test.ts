import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Agent } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { buildSampleCatalogApp } from '../../../cli/src/demo/sample-catalog-app.js'
import { runSampleLoad, sampleRequest } from '../../../cli/src/demo/sample-load.js'
import { freePort, startServer } from '@shadowgate/dev-helpers'

const SCRIPT = fileURLToPath(new URL('../../../cli/dist/src/demo/sample-load.js', import.meta.url))

async function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run npx tsc -b first`)
  const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
}

describe('runSampleLoad', () => {
  const closers: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
  })

  it('sends the deterministic request mix and counts every answer', async () => {
    const app = buildSampleCatalogApp({ variant: 'v1' })
    closers.push(() => app.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    const addr = app.server.address()
    if (!addr || typeof addr === 'string') throw new Error('no port')
    const result = await runSampleLoad({ target: `http://127.0.0.1:${addr.port}/`, rate: 500, durationMs: 0, maxRequests: 40 })
    expect(result.sent).toBe(40)
    expect(result.failures).toBe(0)
    const answered = Object.values(result.statuses).reduce((a, b) => a + b, 0)
    expect(answered + result.failures).toBe(result.sent)
    // Four orders in 40 requests; none of them for the sold-out product, so all are accepted.
    expect(result.statuses[201]).toBe(4)
    expect(result.statuses[200]).toBe(36)
  })

  it('covers the catalog endpoints, asks for gzip on the list and posts JSON orders', async () => {
    const server = await startServer((_req, res) => {
      res.end('{}')
    })
    closers.push(() => server.close())
    const dispatcher = new Agent()
    closers.push(() => dispatcher.close())
    const result = await runSampleLoad({ target: server.url, rate: 500, durationMs: 0, maxRequests: 20, dispatcher })
    expect(result.sent).toBe(20)
    const paths = server.received.map((r) => r.url.split('?')[0])
    expect(paths).toEqual(expect.arrayContaining(['/products', '/products/2', '/categories', '/search', '/orders', '/health']))
    const list = server.received.find((r) => r.url === '/products')
    expect(list?.headers['accept-encoding']).toBe('gzip')
    const order = server.received.find((r) => r.url === '/orders')
    expect(order?.method).toBe('POST')
    expect(JSON.parse(order?.body.toString() ?? '')).toMatchObject({ productId: expect.any(Number), quantity: expect.any(Number) })
    // The injected dispatcher is still usable: the run did not close it.
    expect(dispatcher.closed).toBe(false)
  })

  it('completes against a port nobody listens on, counting failures instead of throwing', async () => {
    const port = await freePort()
    const result = await runSampleLoad({ target: `http://127.0.0.1:${port}`, rate: 200, durationMs: 0, maxRequests: 10 })
    expect(result.sent).toBe(10)
    expect(result.failures).toBe(10)
  })

  it('stops when the signal aborts', async () => {
    const server = await startServer((_req, res) => {
      res.end('{}')
    })
    closers.push(() => server.close())
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const result = await runSampleLoad({ target: server.url, rate: 50, durationMs: 0, signal: controller.signal })
    expect(result.sent).toBeGreaterThan(0)
    expect(result.sent).toBe(server.received.length)
  })

  it('rejects bad options by name', async () => {
    await expect(runSampleLoad({ target: 'gateway:8080', rate: 1, durationMs: 10 })).rejects.toMatchObject({ code: 'SG_INVALID_SETTING', message: expect.stringContaining('target') })
    await expect(runSampleLoad({ target: 'http://127.0.0.1:1', rate: 0, durationMs: 10 })).rejects.toMatchObject({ message: expect.stringContaining('rate') })
    await expect(runSampleLoad({ target: 'http://127.0.0.1:1', rate: 1, durationMs: 0 })).rejects.toMatchObject({ message: expect.stringContaining('signal') })
  })

  it('runs as a script for a given number of seconds and prints what came back', async () => {
    const server = await startServer((_req, res) => {
      res.end('{}')
    })
    closers.push(() => server.close())
    const ok = await runScript(['--target', server.url, '--rate', '50', '--duration', '0.3'])
    expect(ok.code, ok.stderr).toBe(0)
    const result = JSON.parse(ok.stdout) as { sent: number; statuses: Record<string, number>; failures: number }
    expect(result.sent).toBeGreaterThan(0)
    expect(result.statuses['200']).toBe(result.sent)
    expect(server.received.length).toBe(result.sent)
    const bad = await runScript(['--target', server.url, '--duration', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--duration must be a number of seconds')
  })

  it('plans the same request for the same sequence number', () => {
    expect(sampleRequest(13)).toEqual(sampleRequest(13))
    expect(sampleRequest(0).path).toBe('/products')
  })
})
