import type { ProxyConfig } from '@shadowgate/shared'
import { Agent } from 'undici'

/** The keep-alive pools for primary traffic, one pool per upstream origin, sized by `proxy.*`. */
export function createPrimaryAgent(proxy: ProxyConfig): Agent {
  return new Agent({
    connections: proxy.connections,
    keepAliveTimeout: proxy.keepAliveTimeoutMs,
    connect: { timeout: proxy.connectTimeoutMs },
    headersTimeout: proxy.timeoutMs,
    bodyTimeout: proxy.timeoutMs,
  })
}
