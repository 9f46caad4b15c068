import type { ShadowgateConfig } from '@shadowgate/shared'

/** Where the mirror commands send their requests. */
export interface AdminTarget {
  readonly baseUrl: string
  readonly token: string | undefined
}

/** Env variable holding the admin bearer token; it overrides admin.token of the config. */
export const ADMIN_TOKEN_ENV = 'SHADOWGATE_ADMIN_TOKEN'

/** The admin API's address as a local client reaches it (a wildcard bind address is reached on loopback). */
export function adminUrlFromConfig(config: ShadowgateConfig): string {
  let host = config.admin.host
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1'
  if (host === '::') host = '::1'
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.admin.port}`
}

export function adminTarget(opts: { adminUrl?: string | undefined; config?: ShadowgateConfig | undefined }): AdminTarget {
  const envToken = process.env[ADMIN_TOKEN_ENV]
  const baseUrl = (opts.adminUrl ?? (opts.config ? adminUrlFromConfig(opts.config) : 'http://127.0.0.1:9901')).replace(/\/+$/, '')
  return { baseUrl, token: envToken || opts.config?.admin.token }
}
