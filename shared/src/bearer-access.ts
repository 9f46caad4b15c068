import { isLoopbackAddress } from './host-origin-policy.js'
import { createHash, timingSafeEqual } from 'node:crypto'

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/**
 * Compares a presented token with the configured one in constant time. Both are hashed first, so the
 * buffers handed to timingSafeEqual always have equal length and the comparison reveals neither the
 * token's length nor how many leading characters matched.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected))
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header)
  return m?.[1]
}

/**
 * The access rule of shadowgate's HTTP APIs (admin API, audit worker API): with a token configured,
 * a matching bearer token is required from everyone; without one (only allowed on a loopback
 * listener), only loopback callers are served.
 */
export function bearerAccessAllowed(token: string | undefined, authorization: string | undefined, remoteAddress: string | undefined): boolean {
  if (token === undefined) return isLoopbackAddress(remoteAddress)
  const presented = bearerToken(authorization)
  return presented !== undefined && tokenMatches(presented, token)
}
