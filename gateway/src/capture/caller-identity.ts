import { createHash } from 'node:crypto'
import type { MirroredRequest } from '../mirror/mirror-pair.js'

/**
 * Who made the request: the configured identity header's (first) value, else the client IP. When
 * that header is also a redacted one (say `authorization`), the caller becomes a short hash of it,
 * so callers stay apart in the audit without the secret ever being stored. `redacted`: whether the
 * identity header is a redacted one.
 */
export function callerIdentity(request: MirroredRequest, identityHeader: string | undefined, redacted: boolean): string {
  if (identityHeader !== undefined) {
    const raw = request.headers[identityHeader]
    const value = typeof raw === 'string' ? raw : raw?.[0]
    if (value !== undefined && value !== '') {
      return redacted ? `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}` : value
    }
  }
  return request.clientIp
}
