import { NodeProcess } from '@shadowgate/dev-helpers'
import { fileURLToPath } from 'node:url'

/** The built entries, as operators run them (spawned processes run dist, never the sources). */
export const GATEWAY_MAIN = fileURLToPath(new URL('../../gateway/dist/src/cli/main.js', import.meta.url))
export const AUDIT_MAIN = fileURLToPath(new URL('../../audit-service/dist/src/cli/main.js', import.meta.url))

/**
 * One long-running service process (gateway or audit worker) started from its built entry; see
 * NodeProcess for the log lines, the output tail and the bounded stop.
 */
export class ServiceProcess extends NodeProcess {
  constructor(main: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    super(main, args, { env })
  }
}
