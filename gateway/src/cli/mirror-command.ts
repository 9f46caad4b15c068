import type { MirrorChangeJson, RouteListingEntry } from '../admin/route-listing.js'
import { parseMirrorTtl } from '../runtime/mirror-ttl.js'
import { callAdmin } from './admin-client.js'
import { ADMIN_TOKEN_ENV } from './admin-target.js'
import { EXIT_FAILURE, EXIT_OK, printCliError, printOut, usageError } from './cli-output.js'
import { isExit, parseCommandArgs } from './parse-command-args.js'
import { resolveAdminTarget } from './resolve-admin-target.js'
import { formatChange, formatRouteTable } from './route-table-text.js'

export const MIRROR_USAGE = `Usage:
  shadowgate mirror list [--json] [--config shadowgate.yaml | --admin URL]
  shadowgate mirror set <rule> <percent> [--ttl 10m] [--json] [--config shadowgate.yaml | --admin URL]
  shadowgate mirror reset <rule> [--json] [--config shadowgate.yaml | --admin URL]

Lists or changes the mirror percent of route rules on a running gateway, through its admin API.
With Redis configured a change reaches every gateway instance; with --ttl it reverts by itself.
"reset" drops the runtime change: the config file's percent applies again.

Options:
  -c, --config <file>  read admin.host, admin.port and admin.token from this file (default: shadowgate.yaml)
      --admin <url>    admin API base URL instead, e.g. http://127.0.0.1:9901
      --ttl <duration> revert after this long: 300ms, 30s, 10m, 2h, 7d (at most 30d)
      --json           print the admin API's JSON answer
  -h, --help           show this help

Environment:
  ${ADMIN_TOKEN_ENV}  bearer token for the admin API (overrides admin.token of the config)
`

/** `shadowgate mirror list|set|reset`: resolves with the exit code. */
export async function runMirrorCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      config: { type: 'string', short: 'c' },
      admin: { type: 'string' },
      ttl: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    MIRROR_USAGE,
  )
  if (isExit(parsed)) return parsed.exitCode
  const { values, positionals } = parsed
  if (values.help) {
    printOut(MIRROR_USAGE)
    return EXIT_OK
  }
  const [action, ...args] = positionals
  if (action === undefined) return usageError('mirror needs an action: list, set or reset', MIRROR_USAGE)
  const expected = action === 'list' ? 0 : action === 'set' ? 2 : action === 'reset' ? 1 : undefined
  if (expected === undefined) return usageError(`unknown mirror action "${action}" (use list, set or reset)`, MIRROR_USAGE)
  if (args.length !== expected) return usageError(`mirror ${action} takes ${expected === 0 ? 'no arguments' : expected === 1 ? '<rule>' : '<rule> <percent>'}`, MIRROR_USAGE)
  if (values.ttl !== undefined && action !== 'set') return usageError('--ttl only goes with mirror set', MIRROR_USAGE)
  let percent: number | undefined
  if (action === 'set') {
    const text = args[1] ?? ''
    percent = Number(text)
    if (text.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      return usageError(`percent must be a number between 0 and 100 (got "${text}")`, MIRROR_USAGE)
    }
    const ttl = values.ttl === undefined ? undefined : parseMirrorTtl(values.ttl)
    if (ttl !== undefined && 'problem' in ttl) return usageError(`--${ttl.problem}`, MIRROR_USAGE)
  }
  const target = resolveAdminTarget(values, MIRROR_USAGE)
  if (isExit(target)) return target.exitCode

  const rule = encodeURIComponent(args[0] ?? '')
  const result =
    action === 'list'
      ? await callAdmin(target, 'GET', '/routes')
      : action === 'set'
        ? await callAdmin(target, 'PUT', `/routes/${rule}/mirror`, { percent, ...(values.ttl !== undefined ? { ttl: values.ttl } : {}) })
        : await callAdmin(target, 'DELETE', `/routes/${rule}/mirror`)
  if (!result.ok) {
    printCliError(result.kind, result.message)
    return EXIT_FAILURE
  }
  if (values.json) printOut(JSON.stringify(result.body, null, 2))
  else if (action === 'list') printOut(formatRouteTable((result.body as { routes: RouteListingEntry[] }).routes))
  else printOut(formatChange((result.body as { change: MirrorChangeJson }).change))
  return EXIT_OK
}
