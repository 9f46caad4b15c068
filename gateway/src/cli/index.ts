// The gateway's commands (`@shadowgate/gateway/cli`): what the `shadowgate` CLI and the gateway
// image run. Loading this entry does not load the gateway itself; each command does, when it runs.
export { runGatewayCommand, GATEWAY_USAGE } from './gateway-command.js'
export { runMirrorCommand, MIRROR_USAGE } from './mirror-command.js'
export { runLoadCommand, LOAD_USAGE } from './load-command.js'
export { runWritesCommand, WRITES_USAGE } from './writes-command.js'
export { runAccessCommand, ACCESS_USAGE } from './access-command.js'
export { runSlowCommand, SLOW_USAGE } from './slow-command.js'
export { runMigrateCommand, MIGRATE_USAGE } from './migrate-command.js'
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE, printOut, printErr, printCliError, usageError } from './cli-output.js'
export { parseCommandArgs, isExit } from './parse-command-args.js'
export type { ParsedCommandArgs } from './parse-command-args.js'
export { LOG_LEVELS, createServiceLogger } from './service-logger.js'
