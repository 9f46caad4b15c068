import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type Socket } from 'node:net'

/** How long an open keep-alive connection may stay unused during a drain before it is closed. */
export const DRAIN_IDLE_GRACE_MS = 1_000

export interface DrainOptions {
  /** Idle connections are left alone this long, so clients can still use them once (default DRAIN_IDLE_GRACE_MS). */
  readonly idleGraceMs?: number
  /** After this, every HTTP connection still open is cut. */
  readonly timeoutMs: number
}

/**
 * Drains an HTTP server without failing a request a client has already sent:
 * - the listener closes at once, so new connections are refused;
 * - open keep-alive connections keep being served, and every response from now on carries
 *   `Connection: close`, so each client stops using its connection after one more answer;
 * - connections still idle after the grace are closed, and after `timeoutMs` everything is cut.
 *
 * http.Server#close() would close idle keep-alive connections at once, and a request a client is
 * writing on one of them at that moment is reset; Fastify's close would answer requests arriving
 * on busy connections with 503. Created before the server listens (after its 'upgrade' handler is
 * attached): it follows every connection, and upgraded ones (WebSocket tunnels, closed by their
 * owner) do not hold the drain.
 */
export class ConnectionDrain {
  readonly #server: Server
  /** Connections the HTTP server still manages (not upgraded), open now. */
  readonly #open = new Set<Socket>()
  #onEmpty: (() => void) | undefined

  constructor(server: Server) {
    this.#server = server
    server.on('connection', (socket: Socket) => {
      this.#open.add(socket)
      socket.once('close', () => this.#forget(socket))
    })
    // Only where upgrades are handled: an 'upgrade' listener of our own would make Node hand
    // upgrade requests of a server without one to nobody.
    if (server.listenerCount('upgrade') > 0) server.on('upgrade', (req: IncomingMessage) => this.#forget(req.socket))
  }

  /** Resolves once every HTTP connection is gone (at the latest just after `timeoutMs`). Call once, at shutdown. */
  async drain(opts: DrainOptions): Promise<void> {
    const server = this.#server
    if (!server.listening) return
    const markClose = (_req: IncomingMessage, res: ServerResponse): void => {
      if (!res.headersSent) res.setHeader('connection', 'close')
    }
    // First in line, so it runs before the app's own handler writes anything.
    server.prependListener('request', markClose)
    // net.Server's close stops listening and leaves open connections alone.
    NetServer.prototype.close.call(server)
    let idleSweep: NodeJS.Timeout | undefined
    let cut: NodeJS.Timeout | undefined
    const grace = setTimeout(() => {
      server.closeIdleConnections()
      // Connections busy when the grace ended turn idle once their response is sent.
      idleSweep = setInterval(() => server.closeIdleConnections(), 50)
    }, opts.idleGraceMs ?? DRAIN_IDLE_GRACE_MS)
    try {
      await new Promise<void>((resolve) => {
        if (this.#open.size === 0) return resolve()
        this.#onEmpty = resolve
        cut = setTimeout(() => {
          server.closeAllConnections()
          // Whatever did not close on that is left to the server's own close.
          setTimeout(resolve, 100).unref()
        }, opts.timeoutMs)
      })
    } finally {
      this.#onEmpty = undefined
      server.off('request', markClose)
      clearTimeout(grace)
      clearInterval(idleSweep)
      clearTimeout(cut)
    }
  }

  #forget(socket: Socket): void {
    if (!this.#open.delete(socket)) return
    if (this.#open.size === 0) this.#onEmpty?.()
  }
}
