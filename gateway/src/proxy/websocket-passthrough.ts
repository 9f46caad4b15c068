import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import httpProxy from 'http-proxy'
import { UpstreamUnavailableError } from '../errors.js'
import { TrustedProxies } from './trusted-proxies.js'

/** Forwarding headers http-proxy appends to (xfwd); only a trusted proxy's values may stay. */
const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded'] as const

/**
 * Relays WebSocket (and any other HTTP Upgrade) requests to an upstream with http-proxy's `ws`
 * support. Upgraded connections are tunnels the HTTP server no longer manages, so they are
 * tracked here and destroyed by close(): otherwise an open WebSocket would keep shutdown waiting.
 */
export class WebSocketPassthrough {
  readonly #proxy: httpProxy
  readonly #log: FastifyBaseLogger
  readonly #sockets = new Set<Duplex>()
  readonly #trusted: TrustedProxies
  #closed = false

  constructor(options: { hostHeader: 'preserve' | 'upstream'; log: FastifyBaseLogger; trustedProxies?: TrustedProxies }) {
    this.#log = options.log
    this.#trusted = options.trustedProxies ?? TrustedProxies.NONE
    this.#proxy = httpProxy.createProxyServer({ ws: true, xfwd: true, changeOrigin: options.hostHeader === 'upstream' })
    this.#proxy.on('open', (upstreamSocket) => this.#track(upstreamSocket))
    // Errors are handled per call (see relay); this listener keeps http-proxy from throwing.
    this.#proxy.on('error', () => {})
  }

  /** Tunnels one upgrade request to `upstream` (a base URL). */
  relay(req: IncomingMessage, socket: Duplex, head: Buffer, upstream: string, route: string): void {
    if (this.#closed) {
      socket.destroy()
      return
    }
    this.#track(socket)
    if (!this.#trusted.trusts(req.socket.remoteAddress)) for (const name of FORWARDING_HEADERS) delete req.headers[name]
    this.#proxy.ws(req, socket, head, { target: upstream }, (err: Error) => {
      this.#log.warn({ route, upstream, err }, 'upgrade request could not be relayed to the primary upstream')
      if (socket.writable && !socket.destroyed) {
        const error = new UpstreamUnavailableError(`primary upstream ${upstream} is unavailable (${err.message})`)
        const body = JSON.stringify({ error: error.message, code: error.code })
        socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
      }
    })
  }

  #track(socket: Duplex): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  /** Destroys every tunnel. Idempotent. */
  close(): void {
    this.#closed = true
    for (const s of this.#sockets) s.destroy()
    this.#sockets.clear()
    this.#proxy.close()
  }
}
