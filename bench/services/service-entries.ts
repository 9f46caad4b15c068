import { fileURLToPath } from 'node:url'

/** The built entries of the two services, run as their images run them. */
export const GATEWAY_CLI = fileURLToPath(new URL('../../../gateway/dist/src/cli/main.js', import.meta.url))
export const AUDIT_CLI = fileURLToPath(new URL('../../../audit-service/dist/src/cli/main.js', import.meta.url))
