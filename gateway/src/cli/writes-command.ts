import { callAdmin } from './admin-client.js'
import { ADMIN_TOKEN_ENV, adminTarget, type AdminTarget } from './admin-target.js'
import { EXIT_FAILURE, EXIT_OK, printCliError, printOut, usageError } from './cli-output.js'
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load-config-file.js'
import { isExit, parseCommandArgs } from './parse-command-args.js'
import { formatWriteItems, formatWriteStatus, type WriteStatusJson } from './writes-text.js'

export const WRITES_USAGE = `Usage:
  shadowgate writes stage <route> <old|record|replay|final> [--config shadowgate.yaml | --admin URL]
  shadowgate writes status [route] [--json] [--config shadowgate.yaml | --admin URL]
  shadowgate writes ack <route> <id> --reason <text> [--config shadowgate.yaml | --admin URL]
  shadowgate writes failed <route> [--json] [--config shadowgate.yaml | --admin URL]

Shows or changes a route's write log through a running gateway's admin API.
  stage   old: writes go to the old side only; record: they are also logged; replay: the replayer
          drains the log into the new side; final: writes go to the new side (logged for the old
          side with writes.reverse)
  status  stage, lag (entries, seconds), counters and open items: gaps, unknowns, parked, malformed
  ack     acknowledges an open item by its id; an acknowledged unknown is skipped by the replayer
  failed  entries the replayer parked after writes.maxAttempts, and malformed entries

Options:
  -c, --config <file>  read admin.host, admin.port and admin.token from this file (default: shadowgate.yaml)
      --admin <url>    admin API base URL instead, e.g. http://127.0.0.1:9901
      --reason <text>  why an item is acknowledged (required by ack)
      --json           print the admin API's JSON answer
  -h, --help           show this help

Environment:
  ${ADMIN_TOKEN_ENV}  bearer token for the admin API (overrides admin.token of the config)
`

const ARITY: Readonly<Record<string, readonly [number, number]>> = { stage: [2, 2], status: [0, 1], ack: [2, 2], failed: [1, 1] }

/** `shadowgate writes stage|status|ack|failed`: resolves with the exit code. */
export async function runWritesCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { config: { type: 'string', short: 'c' }, admin: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    WRITES_USAGE,
  )
  if (isExit(parsed)) return parsed.exitCode
  const { values, positionals } = parsed
  if (values.help) {
    printOut(WRITES_USAGE)
    return EXIT_OK
  }
  const [action, ...args] = positionals
  if (action === undefined) return usageError('writes needs an action: stage, status, ack or failed', WRITES_USAGE)
  const arity = ARITY[action]
  if (arity === undefined) return usageError(`unknown writes action "${action}" (use stage, status, ack or failed)`, WRITES_USAGE)
  if (args.length < arity[0] || args.length > arity[1]) return usageError(`writes ${action} takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} argument(s)`, WRITES_USAGE)
  if (action === 'ack' && (values.reason === undefined || values.reason.trim() === '')) return usageError('writes ack needs --reason <text>', WRITES_USAGE)
  if (values.admin !== undefined && !/^https?:\/\/[^/]/.test(values.admin)) return usageError(`--admin must be an http:// or https:// URL (got "${values.admin}")`, WRITES_USAGE)

  let target: AdminTarget
  if (values.admin !== undefined && values.config === undefined) target = adminTarget({ adminUrl: values.admin })
  else {
    const loaded = loadConfigFile(values.config ?? DEFAULT_CONFIG_PATH)
    if (isExit(loaded)) return loaded.exitCode
    if (!loaded.config.admin.enabled && values.admin === undefined) {
      printCliError('config', 'the admin API is disabled in this config (admin.enabled: false)')
      return EXIT_FAILURE
    }
    target = adminTarget({ adminUrl: values.admin, config: loaded.config })
  }
  const route = encodeURIComponent(args[0] ?? '')
  const result =
    action === 'stage'
      ? await callAdmin(target, 'PUT', `/writes/${route}/stage`, { stage: args[1] })
      : action === 'ack'
        ? await callAdmin(target, 'POST', `/writes/${route}/ack`, { id: args[1], reason: values.reason })
        : action === 'failed'
          ? await callAdmin(target, 'GET', `/writes/${route}/failed`)
          : await callAdmin(target, 'GET', args[0] === undefined ? '/writes' : `/writes/${route}`)
  if (!result.ok) {
    printCliError(result.kind, result.message)
    return EXIT_FAILURE
  }
  const body = result.body as Record<string, unknown>
  if (values.json) printOut(JSON.stringify(body, null, 2))
  else if (action === 'stage') printOut(`route ${args[0]}: write stage ${String(body['stage'])}`)
  else if (action === 'ack') printOut(`route ${args[0]}: acknowledged ${args[1]}`)
  else if (action === 'failed') printOut(formatWriteItems((body['failed'] ?? []) as WriteStatusJson['items']))
  else printOut(((body['routes'] ?? [body['route']]) as WriteStatusJson[]).map(formatWriteStatus).join('\n'))
  return EXIT_OK
}
