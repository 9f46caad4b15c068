import type { ShadowgateConfig } from '@shadowgate/shared'
import { Agent } from 'undici'

/**
 * The shadow's own keep-alive pools, apart from the primary's: a slow shadow can exhaust these
 * sockets, never the ones production traffic uses.
 */
export function createShadowAgent(config: ShadowgateConfig): Agent {
  return new Agent({
    connections: config.mirror.connections,
    keepAliveTimeout: config.proxy.keepAliveTimeoutMs,
    connect: { timeout: Math.min(config.proxy.connectTimeoutMs, config.mirror.timeoutMs) },
    headersTimeout: config.mirror.timeoutMs,
    bodyTimeout: config.mirror.timeoutMs,
  })
}
