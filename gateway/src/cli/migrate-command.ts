import { MIGRATION_STAGES, isMigrationStage } from '@shadowgate/shared'
import type { StageStatusJson } from '../admin/stage-update.js'
import { callAdmin } from './admin-client.js'
import { ADMIN_TOKEN_ENV, adminTargetFromFlags } from './admin-target.js'
import { EXIT_FAILURE, EXIT_OK, printCliError, printOut, usageError } from './cli-output.js'
import { formatGateStatus, type GateStatusJson } from '../admin/gate-status.js'
import { formatCutover, formatStageChange, formatStageTable, type CutoverOutcomeJson, type StageChangeJson } from './migrate-text.js'
import { isExit, parseCommandArgs } from './parse-command-args.js'

export const MIGRATE_USAGE = `Usage:
  shadowgate migrate status [<rule>] [--json] [--config shadowgate.yaml | --admin URL]
  shadowgate migrate stage <rule> <stage> --reason "..." [--serve 10] [--mirror 5] [--expect <stage>] [--json] [...]
  shadowgate migrate rollback <rule> --reason "..." [--json] [--config shadowgate.yaml | --admin URL]
  shadowgate migrate cutover <rule> [--to final|shadow] --reason "..." [--json] [...]

Shows or moves route rules through the stages of a read migration on a running gateway, through its
admin API; every gateway sharing its Redis applies a move within a second. Stages, in order:
  passthrough  the old side serves; nothing is copied
  shadow       the old side serves; --mirror % of reads is copied to the new side and audited
  canary       --serve % of reads (sticky per user) is served by the new side, with the old side
               called as its shadow and audited; the rest as in shadow
  final        the new side serves every read; --mirror % (default 10) is copied to the old side
"rollback" goes one step back and restores that stage's settings exactly. Writes (methods that are
not the route's mirror.methods) stay on the old side in every stage.
"cutover" flips which side serves (shadow or canary -> final, or final -> shadow) on every gateway at
once: each holds new requests of the route for at most cutover.maxPause, the stage is changed, and
they are released to the new side; if any gateway does not answer in time, they go to the old side
and nothing changes. Exit code 0 only when the cut-over committed.

Options:
  -c, --config <file>    read admin.host, admin.port and admin.token from this file (default: shadowgate.yaml)
      --admin <url>      admin API base URL instead, e.g. http://127.0.0.1:9901
      --reason <text>    why (required for stage and rollback; kept in the change log and on dashboards)
      --serve <percent>  canary: percent of reads served by the new side (default: the route's current one)
      --mirror <percent> copy percent in the new stage (default: kept; 10 when entering final)
      --expect <stage>   move only if the route is in this stage now (compare-and-set)
      --to <stage>       cutover: final (default) or shadow
      --json             print the admin API's JSON answer
  -h, --help             show this help

Environment:
  ${ADMIN_TOKEN_ENV}  bearer token for the admin API (overrides admin.token of the config)
`

/** `migrate cutover <rule>`: exit 0 only when the cut-over committed. */
async function runCutover(args: readonly string[], values: { to?: string | undefined; reason?: string | undefined; json?: boolean | undefined; serve?: string | undefined; mirror?: string | undefined; expect?: string | undefined; config?: string | undefined; admin?: string | undefined }): Promise<number> {
  if (args.length !== 1) return usageError('migrate cutover takes <rule>', MIGRATE_USAGE)
  if (values.serve !== undefined || values.mirror !== undefined || values.expect !== undefined) return usageError('--serve, --mirror and --expect only go with migrate stage', MIGRATE_USAGE)
  if (values.to !== undefined && values.to !== 'final' && values.to !== 'shadow') return usageError(`--to must be final or shadow (got "${values.to}")`, MIGRATE_USAGE)
  if (values.reason === undefined || values.reason.trim() === '') return usageError('migrate cutover needs --reason "..." (why; it goes to the change log)', MIGRATE_USAGE)
  const target = adminTargetFromFlags(values, MIGRATE_USAGE)
  if (isExit(target)) return target.exitCode
  const result = await callAdmin(target, 'POST', `/routes/${encodeURIComponent(args[0] ?? '')}/cutover`, { to: values.to, reason: values.reason })
  if (!result.ok) {
    printCliError(result.kind, result.message)
    return EXIT_FAILURE
  }
  const outcome = (result.body as { cutover: CutoverOutcomeJson }).cutover
  if (values.json) printOut(JSON.stringify(result.body, null, 2))
  else printOut(formatCutover(outcome))
  return outcome.outcome === 'committed' ? EXIT_OK : EXIT_FAILURE
}

function percentOption(name: string, text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) return `--${name} must be a number between 0 and 100 (got "${text}")`
  return n
}

/** `shadowgate migrate status|stage|rollback`: resolves with the exit code. */
export async function runMigrateCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      config: { type: 'string', short: 'c' },
      admin: { type: 'string' },
      reason: { type: 'string' },
      serve: { type: 'string' },
      mirror: { type: 'string' },
      expect: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    MIGRATE_USAGE,
  )
  if (isExit(parsed)) return parsed.exitCode
  const { values, positionals } = parsed
  if (values.help) {
    printOut(MIGRATE_USAGE)
    return EXIT_OK
  }
  const [action, ...args] = positionals
  if (action === undefined) return usageError('migrate needs an action: status, stage, rollback or cutover', MIGRATE_USAGE)
  if (action === 'cutover') return await runCutover(args, values)
  if (action !== 'status' && action !== 'stage' && action !== 'rollback') return usageError(`unknown migrate action "${action}" (use status, stage, rollback or cutover)`, MIGRATE_USAGE)
  if (values.to !== undefined) return usageError('--to only goes with migrate cutover', MIGRATE_USAGE)
  if (action === 'status' && args.length > 1) return usageError('migrate status takes at most one <rule>', MIGRATE_USAGE)
  if (action === 'stage' && args.length !== 2) return usageError('migrate stage takes <rule> <stage>', MIGRATE_USAGE)
  if (action === 'rollback' && args.length !== 1) return usageError('migrate rollback takes <rule>', MIGRATE_USAGE)
  if (action !== 'stage' && (values.serve !== undefined || values.mirror !== undefined || values.expect !== undefined)) {
    return usageError('--serve, --mirror and --expect only go with migrate stage', MIGRATE_USAGE)
  }
  if (action === 'status' && values.reason !== undefined) return usageError('--reason goes with migrate stage and rollback', MIGRATE_USAGE)
  if (action !== 'status' && (values.reason === undefined || values.reason.trim() === '')) return usageError(`migrate ${action} needs --reason "..." (why; it goes to the change log)`, MIGRATE_USAGE)
  const stage = args[1]
  if (action === 'stage' && !isMigrationStage(stage)) return usageError(`unknown stage "${stage}" (use ${MIGRATION_STAGES.join(', ')})`, MIGRATE_USAGE)
  if (values.expect !== undefined && !isMigrationStage(values.expect)) return usageError(`--expect: unknown stage "${values.expect}" (use ${MIGRATION_STAGES.join(', ')})`, MIGRATE_USAGE)
  const serve = percentOption('serve', values.serve)
  const mirror = percentOption('mirror', values.mirror)
  if (typeof serve === 'string') return usageError(serve, MIGRATE_USAGE)
  if (typeof mirror === 'string') return usageError(mirror, MIGRATE_USAGE)

  const target = adminTargetFromFlags(values, MIGRATE_USAGE)
  if (isExit(target)) return target.exitCode

  const rule = args[0] === undefined ? undefined : encodeURIComponent(args[0])
  const result =
    action === 'status'
      ? await callAdmin(target, 'GET', rule === undefined ? '/stages' : `/routes/${rule}/stage`)
      : action === 'stage'
        ? await callAdmin(target, 'PUT', `/routes/${rule}/stage`, { stage, serve, mirror, expected: values.expect, reason: values.reason })
        : await callAdmin(target, 'POST', `/routes/${rule}/stage/rollback`, { reason: values.reason })
  if (!result.ok) {
    printCliError(result.kind, result.message)
    return EXIT_FAILURE
  }
  if (values.json) printOut(JSON.stringify(result.body, null, 2))
  else if (action === 'status' && rule === undefined) printOut(formatStageTable((result.body as { routes: StageStatusJson[] }).routes))
  else if (action === 'status') {
    const body = result.body as { route: StageStatusJson; log: StageChangeJson[]; gate?: GateStatusJson | null }
    const gate = body.gate ? ['', formatGateStatus(body.gate)] : []
    printOut([formatStageTable([body.route]), ...gate, '', body.log.length === 0 ? 'No stage changes recorded.' : 'Recent changes (newest first):', ...body.log.map(formatStageChange)].join('\n'))
  } else printOut(formatStageChange((result.body as { change: StageChangeJson }).change))
  return EXIT_OK
}
