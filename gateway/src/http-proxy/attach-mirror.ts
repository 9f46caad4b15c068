import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http'
import type httpProxy from 'http-proxy'
import { MirrorCore, type MirrorCoreOptions, type MirrorStats } from '../mirror/mirror-core.js'
import type { MirrorExchange } from '../mirror/mirror-exchange.js'
import { clientResponseHeaders } from '../proxy/response-headers.js'
import { upstreamErrorKind } from '../proxy/upstream-error-kind.js'

/** Same options as the Fastify plugin: config, and optionally settings, metrics, pairSink, shadowDispatcher, log. */
export type AttachMirrorOptions = MirrorCoreOptions

/** Mirroring attached to an http-proxy server. */
export interface MirrorAttachment {
  /** Circuit state and copies in flight per shadow. */
  stats(): MirrorStats
  /** Detaches from the proxy server, aborts copies in flight, releases the pools it created. Idempotent. */
  close(): Promise<void>
}

/** Copies the request body into the exchange while http-proxy pipes it to the primary. */
function tapRequestBody(req: IncomingMessage, exchange: MirrorExchange): void {
  const onData = (chunk: Buffer): void => exchange.bodyChunk(chunk)
  req.on('data', onData)
  req.once('end', () => {
    req.off('data', onData)
    exchange.bodyEnd()
  })
  req.once('close', () => {
    req.off('data', onData)
    if (!req.complete) exchange.bodyIncomplete()
  })
}

/**
 * Adds shadowgate's mirroring to an existing `http-proxy` server (Express, connect or plain node
 * gateways), with the same core as the Fastify plugin: same sampling, limits, breaker and pairs.
 *
 * It listens to the proxy server's events: `start` decides and taps the request body (the tap is
 * attached in the same tick as http-proxy's own pipe, so no chunk is missed and the body still
 * flows at the primary's pace), `proxyReq` releases the copy once the primary request is finished
 * (never before) and, with `proxyRes`, observes the primary for audit pairs, and
 * `proxyReqWs` counts upgrades. It never writes to the client response.
 */
export function attachMirror(proxyServer: httpProxy, options: AttachMirrorOptions): MirrorAttachment {
  const core = new MirrorCore(options)
  const exchanges = new WeakMap<IncomingMessage, MirrorExchange>()

  const onStart = (req: IncomingMessage, res: ServerResponse): void => {
    const exchange = core.begin(req, res, core.routes.match(req.method ?? 'GET', req.url ?? '/'))
    if (exchange === null) return
    if (exchange.awaitingBody) tapRequestBody(req, exchange)
    exchanges.set(req, exchange)
  }
  const onProxyReq = (proxyReq: ClientRequest, req: IncomingMessage): void => {
    const exchange = exchanges.get(req)
    if (exchange === undefined) return
    // 'finish': the whole request, body included, was handed to the primary's connection.
    proxyReq.once('finish', () => exchange.onRequestSent())
    if (exchange.capturing) proxyReq.once('error', (err: Error) => exchange.onResponseError(upstreamErrorKind(err), err.message))
  }
  const onProxyRes = (proxyRes: IncomingMessage, req: IncomingMessage): void => {
    const exchange = exchanges.get(req)
    if (exchange === undefined || !exchange.capturing) return
    exchange.onResponseHead(proxyRes.statusCode ?? 0, clientResponseHeaders(proxyRes.rawHeaders))
    proxyRes.on('data', (chunk: Buffer) => exchange.onResponseData(chunk))
    proxyRes.once('error', (err: Error) => exchange.onResponseError(upstreamErrorKind(err), err.message))
  }
  const onProxyReqWs = (_proxyReq: ClientRequest, req: IncomingMessage): void => {
    core.upgrade(core.routes.match(req.method ?? 'GET', req.url ?? '/'))
  }

  proxyServer.on('start', onStart)
  proxyServer.on('proxyReq', onProxyReq)
  proxyServer.on('proxyRes', onProxyRes)
  proxyServer.on('proxyReqWs', onProxyReqWs)

  let closed: Promise<void> | undefined
  return {
    stats: () => core.stats(),
    close() {
      closed ??= (async () => {
        // @types/http-proxy types removeListener with a generic () => void listener only.
        proxyServer.removeListener('start', onStart as () => void)
        proxyServer.removeListener('proxyReq', onProxyReq as () => void)
        proxyServer.removeListener('proxyRes', onProxyRes as () => void)
        proxyServer.removeListener('proxyReqWs', onProxyReqWs as () => void)
        await core.close()
      })()
      return closed
    },
  }
}
