import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '@shadowgate/dev-helpers'
import { startGateway, type RunningGateway } from './gateway-fixture.js'

const HANDSHAKE = (path: string, extra = ''): string =>
  `GET ${path} HTTP/1.1\r\nHost: chat.example\r\n${extra}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`

/** Opens a raw connection, sends the upgrade handshake, waits for the 101 and returns the socket. */
async function upgrade(port: number, path: string, extraHeaders = ''): Promise<{ socket: Socket; head: string }> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(HANDSHAKE(path, extraHeaders)))
    let data = ''
    const onData = (c: Buffer): void => {
      data += c.toString('latin1')
      const end = data.indexOf('\r\n\r\n')
      if (end === -1) return
      socket.off('data', onData)
      resolve({ socket, head: data.slice(0, end) })
    }
    socket.on('data', onData)
    socket.on('error', reject)
  })
}

async function echo(socket: Socket, text: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    let got = ''
    const onData = (c: Buffer): void => {
      got += c.toString()
      if (got.length >= text.length) {
        socket.off('data', onData)
        resolve(got)
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.write(text)
  })
}

describe('proxy: upgrade (WebSocket) pass-through', () => {
  let origin: Server
  let gateway: RunningGateway
  const upgrades: { url: string; headers: Record<string, unknown> }[] = []
  const originSockets = new Set<Socket>()

  beforeAll(async () => {
    // A bare 'upgrade' echo: answers 101 and sends back every byte it receives.
    origin = createServer((_req, res) => res.end('not an upgrade'))
    origin.on('upgrade', (req, socket: Socket, head: Buffer) => {
      originSockets.add(socket)
      upgrades.push({ url: req.url ?? '', headers: req.headers })
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n')
      if (head.length) socket.write(head)
      socket.on('data', (c: Buffer) => socket.write(c))
    })
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r))
    gateway = await startGateway({
      primary: `http://127.0.0.1:${(origin.address() as AddressInfo).port}`,
      shadow: 'http://127.0.0.1:9',
      routes: [{ name: 'chat', match: '/chat/*', mirror: { percent: 100 } }],
    })
  })
  afterAll(async () => {
    await gateway?.close()
    for (const s of originSockets) s.destroy()
    await new Promise<void>((r) => origin.close(() => r()))
  })

  it('tunnels the upgrade to the primary and relays frames both ways', async () => {
    const { socket, head } = await upgrade(gateway.port, '/chat/room-1?token=a%20b')
    try {
      expect(head).toMatch(/^HTTP\/1\.1 101 /)
      expect(await echo(socket, 'hello over the tunnel')).toBe('hello over the tunnel')
      expect(upgrades.at(-1)?.url).toBe('/chat/room-1?token=a%20b')
      expect(upgrades.at(-1)?.headers['x-forwarded-for']).toBe('127.0.0.1')
    } finally {
      socket.destroy()
    }
  })

  // Regression: http-proxy appended to whatever forwarding headers the client sent, trusted or not.
  it('replaces the forwarding headers of a peer that is no trusted proxy', async () => {
    const { socket, head } = await upgrade(gateway.port, '/chat/xff', 'X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nForwarded: for=6.6.6.6\r\n')
    try {
      expect(head).toMatch(/^HTTP\/1\.1 101 /)
      const seen = upgrades.at(-1)?.headers
      // http-proxy names the scheme of a tunnel ws/wss.
      expect([seen?.['x-forwarded-for'], seen?.['x-forwarded-proto'], seen?.forwarded]).toEqual(['127.0.0.1', 'ws', undefined])
    } finally {
      socket.destroy()
    }
  })

  it('never mirrors upgrades and counts them under their route with reason upgrade', async () => {
    const { socket } = await upgrade(gateway.port, '/chat/room-2')
    socket.destroy()
    const { socket: other } = await upgrade(gateway.port, '/elsewhere')
    other.destroy()
    const snap = gateway.metrics.snapshot()
    expect(snap['chat']).toMatchObject({ mirrored: 0 })
    expect(snap['chat']?.notMirrored.upgrade).toBeGreaterThanOrEqual(1)
    expect(snap['chat']?.requests).toBe(snap['chat']?.notMirrored.upgrade)
    expect(snap['(unmatched)']?.notMirrored.no_route).toBe(1)
  })

  it('answers 502 on the raw socket when the primary is unreachable', async () => {
    const dead = await startGateway({ primary: `http://127.0.0.1:${await freePort()}` })
    try {
      const { socket, head } = await upgrade(dead.port, '/chat/x')
      socket.destroy()
      expect(head).toMatch(/^HTTP\/1\.1 502 /)
    } finally {
      await dead.close()
    }
  })

  it('closes the app while a tunnel is open', async () => {
    const other = await startGateway({ primary: `http://127.0.0.1:${(origin.address() as AddressInfo).port}` })
    const { socket } = await upgrade(other.port, '/chat/open')
    const closed = new Promise<void>((r) => socket.once('close', () => r()))
    await other.close()
    await closed
    expect(socket.destroyed).toBe(true)
  })
})
