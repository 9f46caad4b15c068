// The audit service's commands (`@shadowgate/audit-service/cli`): what the `shadowgate` CLI and the
// audit image run.
export { runAuditCommand, AUDIT_USAGE } from './run-audit-command.js'
export { runMismatchesCommand, MISMATCHES_USAGE } from './run-mismatches-command.js'
export { runNoiseCommand, NOISE_USAGE, suggestIgnores } from './run-noise-command.js'
export type { NoiseSuggestion } from './run-noise-command.js'
export { runReplayCommand, REPLAY_USAGE } from './run-replay-command.js'
export { AUDIT_WORKER_NODE_FLAGS } from './worker-node-flags.js'
export type { CliIo } from './cli-io.js'
