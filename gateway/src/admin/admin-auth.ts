import { bearerAccessAllowed } from '@shadowgate/shared'

export { bearerToken, isLoopbackAddress, tokenMatches } from '@shadowgate/shared'

/**
 * The admin API's access rule: with a token configured, a matching bearer token is required from
 * everyone; without one (only allowed on a loopback listener), only loopback callers are served.
 * The audit worker's HTTP API applies the same rule (shared/src/bearer-access.ts).
 */
export function adminAccessAllowed(token: string | undefined, authorization: string | undefined, remoteAddress: string | undefined): boolean {
  return bearerAccessAllowed(token, authorization, remoteAddress)
}
