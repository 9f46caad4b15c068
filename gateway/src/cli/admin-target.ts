import type { ShadowgateConfig } from '@shadowgate/shared'
import { EXIT_FAILURE, printCliError, usageError } from './cli-output.js'
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load-config-file.js'
import { isExit } from './parse-command-args.js'

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

/**
 * The admin API a command talks to, from its `--admin` and `--config` flags: the URL given, or the
 * config file's admin section (default shadowgate.yaml). Problems are printed; an exit code comes back.
 */
export function adminTargetFromFlags(flags: { admin?: string | undefined; config?: string | undefined }, usage: string): AdminTarget | { exitCode: number } {
  if (flags.admin !== undefined && !/^https?:\/\/[^/]/.test(flags.admin)) {
    return { exitCode: usageError(`--admin must be an http:// or https:// URL (got "${flags.admin}")`, usage) }
  }
  if (flags.admin !== undefined && flags.config === undefined) return adminTarget({ adminUrl: flags.admin })
  const loaded = loadConfigFile(flags.config ?? DEFAULT_CONFIG_PATH)
  if (isExit(loaded)) return loaded
  if (!loaded.config.admin.enabled && flags.admin === undefined) {
    printCliError('config', 'the admin API is disabled in this config (admin.enabled: false)')
    return { exitCode: EXIT_FAILURE }
  }
  return adminTarget({ adminUrl: flags.admin, config: loaded.config })
}
