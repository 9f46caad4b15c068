import { hostOriginRefusal, type AdminConfig } from '@shadowgate/shared'
import type { FastifyRequest } from 'fastify'
import { AdminHostNotAllowedError, AdminOriginNotAllowedError, AdminUnauthorizedError, type GatewayError } from '../errors.js'
import { adminAccessAllowed } from './admin-auth.js'

/** Load balancers probe these without credentials and with any Host; they reveal nothing but up/down. */
export const PUBLIC_ADMIN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

/**
 * Why the admin API must refuse a request before looking at its path, or undefined. The Host and
 * Origin come first (DNS rebinding: a browser page on another site reaches a loopback listener
 * from a loopback peer, so the peer address alone proves nothing), then the bearer token or the
 * loopback rule. Every path but the public probes goes through here, unknown and malformed ones
 * included, so a caller without access learns nothing about which endpoints exist.
 */
export function adminAdmissionError(admin: AdminConfig, req: FastifyRequest): GatewayError | undefined {
  if (PUBLIC_ADMIN_PATHS.has(req.url.split('?')[0] ?? '')) return undefined
  const origin = req.headers.origin
  const refusal = hostOriginRefusal(
    { host: req.headers.host, origin: typeof origin === 'string' ? origin : undefined, localAddress: req.socket.localAddress },
    { boundHost: admin.host, allowedHosts: admin.allowedHosts, allowedOrigins: admin.allowedOrigins, configKey: 'admin' },
  )
  if (refusal?.refused === 'host') return new AdminHostNotAllowedError(refusal.message)
  if (refusal?.refused === 'origin') return new AdminOriginNotAllowedError(refusal.message)
  if (!adminAccessAllowed(admin.token, req.headers.authorization, req.socket.remoteAddress)) return new AdminUnauthorizedError()
  return undefined
}
