import type { ServerOptions } from 'node:http'
import type { ProxyConfig } from '@shadowgate/shared'

/**
 * Node HTTP server options bounding how long a client may take to send its request. Fastify turns
 * Node's whole-request timeout off by default, and Node checks its deadlines only every 30 s;
 * the gateway sets both deadlines and checks them at least once a second, so slow-header and
 * slow-body clients (slowloris) are answered 408 and disconnected close to their deadline.
 */
export function clientTimeoutOptions(proxy: Pick<ProxyConfig, 'clientHeadersTimeoutMs' | 'clientRequestTimeoutMs'>): ServerOptions {
  const shortest = proxy.clientRequestTimeoutMs > 0 ? Math.min(proxy.clientHeadersTimeoutMs, proxy.clientRequestTimeoutMs) : proxy.clientHeadersTimeoutMs
  return {
    headersTimeout: proxy.clientHeadersTimeoutMs,
    requestTimeout: proxy.clientRequestTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(shortest / 4))),
  }
}
