import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { itemBody } from './item-body.js'

/**
 * How the shadow behaves: `ok` answers like the primary; `stopped` is not listening (connections
 * refused); `slow` answers after 2 s; `black_hole` reads the request and never answers; `reset`
 * sends the headers and half the body, then resets the connection (TCP RST).
 */
export type ShadowMode = 'ok' | 'stopped' | 'slow' | 'black_hole' | 'reset'

export const SLOW_SHADOW_MS = 2_000

export interface SwitchableShadow {
  readonly url: string
  /** Requests that reached the shadow (whatever it then did with them). */
  readonly received: number
  readonly mode: ShadowMode
  setMode(mode: ShadowMode): Promise<void>
  close(): Promise<void>
}

/** A real shadow server on 127.0.0.1 whose behaviour is switched while traffic flows; always on the same port. */
export async function startSwitchableShadow(): Promise<SwitchableShadow> {
  let mode: ShadowMode = 'ok'
  let received = 0
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const server: Server = createServer((req, res) => {
    received++
    req.resume()
    req.once('end', () => {
      const body = Buffer.from(itemBody(req.url ?? '/'))
      const answer = (): void => {
        if (res.destroyed) return
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
        res.end(body)
      }
      if (mode === 'black_hole') return
      if (mode === 'slow') {
        const t = setTimeout(() => {
          timers.delete(t)
          answer()
        }, SLOW_SHADOW_MS)
        timers.add(t)
        return
      }
      if (mode === 'reset') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
        // The first half must leave before the reset, or the gateway sees a refused request instead of a cut body.
        res.write(body.subarray(0, body.length >> 1), () => req.socket.resetAndDestroy())
        return
      }
      answer()
    })
  })
  // Longer than the gateway's pool idle timeout: the shadow never closes a socket the gateway is about to reuse.
  server.keepAliveTimeout = 30_000
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve((server.address() as AddressInfo).port)
      })
    })
  const stop = async (): Promise<void> => {
    if (!server.listening) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await closed
  }
  const port = await listen(0)
  return {
    url: `http://127.0.0.1:${port}`,
    get received() {
      return received
    },
    get mode() {
      return mode
    },
    async setMode(next) {
      if (next === 'stopped') await stop()
      else if (!server.listening) await listen(port)
      mode = next
    },
    async close() {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await stop()
    },
  }
}
