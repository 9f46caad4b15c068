import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { parseConfig } from '@shadowgate/shared'
import { pino } from 'pino'
import { Pool } from 'undici'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConnectionDrain } from '../../../gateway/src/server/connection-drain.js'
import { createGatewayService } from '../../../gateway/src/server/gateway-service.js'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'

/** What one GET on the pool came back with: the answer, or the error code. */
async function get(pool: Pool, path: string): Promise<{ status: number; connection: string | undefined; body: string } | { error: string }> {
  try {
    const res = await pool.request({ method: 'GET', path, signal: AbortSignal.timeout(10_000) })
    const connection = res.headers['connection']
    return { status: res.statusCode, connection: Array.isArray(connection) ? connection.join(',') : connection, body: await res.body.text() }
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } }
    return { error: e.code ?? e.cause?.code ?? String(err) }
  }
}

// Regression: on SIGTERM the gateway answered requests arriving on busy keep-alive connections with
// 503 (Fastify's close) and reset requests written on idle ones (http.Server#close closes idle
// keep-alive connections at once); the fault matrix's drain case saw both.
describe('drain keeps serving open keep-alive connections (no 503, no reset on SIGTERM)', () => {
  const closers: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c()
  })

  async function plainServer(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string; drain: ConnectionDrain }> {
    const server = createServer(handler)
    const drain = new ConnectionDrain(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(async () => {
      server.closeAllConnections()
      if (server.listening) await new Promise((r) => server.close(r))
    })
    return { server, drain, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  }

  function pool(url: string): Pool {
    const p = new Pool(url, { connections: 1 })
    closers.push(() => p.destroy())
    return p
  }

  it('serves a request sent on an open connection after the drain began, says Connection: close, and refuses new connections', async () => {
    const { server, url, drain } = await plainServer((_req, res) => res.end('ok'))
    const client = pool(url)
    expect(await get(client, '/before')).toMatchObject({ status: 200, body: 'ok' })
    const drained = drain.drain({ idleGraceMs: 30_000, timeoutMs: 60_000 })
    expect(server.listening).toBe(false)
    expect(await get(client, '/during')).toEqual({ status: 200, connection: 'close', body: 'ok' })
    expect(await get(client, '/after')).toEqual({ error: 'ECONNREFUSED' })
    // The only connection closed after its Connection: close answer, so the drain is over long before the grace.
    await drained
  })

  it('closes a connection left idle for the whole grace', async () => {
    const { url, drain } = await plainServer((_req, res) => res.end('ok'))
    const client = pool(url)
    expect(await get(client, '/before')).toMatchObject({ status: 200 })
    await drain.drain({ idleGraceMs: 100, timeoutMs: 60_000 })
    expect(await get(client, '/after')).toEqual({ error: 'ECONNREFUSED' })
  })

  it('cuts a connection still busy at the deadline', async () => {
    const { server, url, drain } = await plainServer(() => undefined) // never answers
    const client = pool(url)
    const hanging = get(client, '/hang')
    await new Promise<void>((resolve) => server.once('request', () => resolve()))
    await drain.drain({ idleGraceMs: 100, timeoutMs: 300 })
    expect(await hanging).toHaveProperty('error')
  })

  it('returns at once for a server that is not listening', async () => {
    // A server that stopped listening (closed elsewhere) but still holds a busy connection: a drain
    // that waited for its connections would wait for the grace and the deadline here.
    const { server, url, drain } = await plainServer(() => undefined) // never answers
    const client = pool(url)
    const hanging = get(client, '/hang')
    await new Promise<void>((resolve) => server.once('request', () => resolve()))
    server.close()
    expect(server.listening).toBe(false)
    const requestListeners = server.listenerCount('request')
    vi.useFakeTimers()
    try {
      let settled = false
      const drained = drain.drain({ idleGraceMs: 60_000, timeoutMs: 60_000 }).then(() => void (settled = true))
      // No clock advanced: a drain waiting for its grace or its deadline would still be pending.
      await vi.advanceTimersByTimeAsync(0)
      expect(settled).toBe(true)
      await drained
      expect(vi.getTimerCount()).toBe(0)
      expect(server.listenerCount('request')).toBe(requestListeners)
    } finally {
      vi.useRealTimers()
    }
    // Left alone: the busy connection is still open until the test closes it.
    server.closeAllConnections()
    expect(await hanging).toHaveProperty('error')
  })

  it('the gateway forwards a request arriving on an open keep-alive connection after close() began', async () => {
    const origin: TestServer = await startServer((_req, res) => {
      res.end('primary')
    })
    closers.push(() => origin.close())
    const config = parseConfig(`
primary: ${origin.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
`)
    const service = await createGatewayService(config, { logger: pino({ level: 'silent' }) })
    closers.push(() => service.close())
    const { traffic } = await service.listen()
    const client = pool(traffic)
    expect(await get(client, '/a')).toMatchObject({ status: 200, body: 'primary' })
    const closing = service.close()
    expect(await get(client, '/b')).toEqual({ status: 200, connection: 'close', body: 'primary' })
    expect(await get(client, '/c')).toEqual({ error: 'ECONNREFUSED' })
    await closing
  })

  it('the gateway does not wait for open WebSocket tunnels: close() ends them and completes', async () => {
    const origin = createServer((_req, res) => res.end('not an upgrade'))
    const originTunnels = new Set<Socket>()
    origin.on('upgrade', (_req, socket: Socket) => {
      originTunnels.add(socket)
      // HTTP servers allow half-open sockets: end our side when the gateway ends its side.
      socket.on('end', () => socket.end())
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
      socket.on('data', (c: Buffer) => socket.write(c))
    })
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r))
    closers.push(async () => {
      for (const t of originTunnels) t.destroy()
      origin.closeAllConnections()
      await new Promise((r) => origin.close(r))
    })
    const config = parseConfig(`
primary: http://127.0.0.1:${(origin.address() as AddressInfo).port}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
`)
    const service = await createGatewayService(config, { logger: pino({ level: 'silent' }) })
    closers.push(() => service.close())
    const { traffic } = await service.listen()
    const tunnel = connect(Number(new URL(traffic).port), '127.0.0.1')
    closers.push(async () => void tunnel.destroy())
    const tunnelClosed = new Promise<void>((resolve) => tunnel.once('close', () => resolve()))
    tunnel.on('error', () => undefined)
    const switched = new Promise<string>((resolve) => tunnel.once('data', (d: Buffer) => resolve(d.toString('latin1'))))
    tunnel.write('GET /chat HTTP/1.1\r\nHost: chat.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    expect(await switched).toMatch(/^HTTP\/1\.1 101 /)
    // The drain deadline is proxy.timeout + 1 s (31 s), beyond this test's timeout: a tunnel holding the drain fails it.
    await service.close()
    await tunnelClosed
  })
})
