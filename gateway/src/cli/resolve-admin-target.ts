import { adminTarget, type AdminTarget } from './admin-target.js'
import { EXIT_FAILURE, printCliError, usageError } from './cli-output.js'
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load-config-file.js'
import { isExit } from './parse-command-args.js'

/**
 * The admin API a command talks to, from `--admin` and/or `--config` (default shadowgate.yaml):
 * the target, or the exit code after printing what was wrong.
 */
export function resolveAdminTarget(values: { admin?: string | undefined; config?: string | undefined }, usage: string): AdminTarget | { exitCode: number } {
  if (values.admin !== undefined && !/^https?:\/\/[^/]/.test(values.admin)) {
    return { exitCode: usageError(`--admin must be an http:// or https:// URL (got "${values.admin}")`, usage) }
  }
  if (values.admin !== undefined && values.config === undefined) return adminTarget({ adminUrl: values.admin })
  const loaded = loadConfigFile(values.config ?? DEFAULT_CONFIG_PATH)
  if (isExit(loaded)) return loaded
  if (!loaded.config.admin.enabled && values.admin === undefined) {
    printCliError('config', 'the admin API is disabled in this config (admin.enabled: false)')
    return { exitCode: EXIT_FAILURE }
  }
  return adminTarget({ adminUrl: values.admin, config: loaded.config })
}
