import { parseDuration } from '@shadowgate/shared'
import type { LoadRampJson } from '../admin/load-ramp-json.js'
import { callAdmin } from './admin-client.js'
import { ADMIN_TOKEN_ENV, adminTargetFromFlags } from './admin-target.js'
import { EXIT_FAILURE, EXIT_OK, printCliError, printOut, usageError } from './cli-output.js'
import { isExit, parseCommandArgs } from './parse-command-args.js'
import { formatLoadLine, formatLoadTable } from './load-status-text.js'

export const LOAD_USAGE = `Usage:
  shadowgate load start <rule> --to <percent> --step <percent> --every <duration>
                        [--max-duration 30m] [--reason <text>] [--json] [--config shadowgate.yaml | --admin URL]
  shadowgate load stop <rule> [--json] [--config shadowgate.yaml | --admin URL]
  shadowgate load status [rule] [--json] [--config shadowgate.yaml | --admin URL]

Load-tests a route's shadow beyond 1x production: the mirror percent climbs from the percent in
force by --step every --every up to --to (at most mirror.maxAmplification × 100; above 100 each
GET, HEAD and OPTIONS request is copied several times). Every gateway instance follows the same
schedule and checks brakes every load.interval: the ramp stops by itself, fleet-wide, when the
shadow's p99 passes 1.5 × its p99 at the start of the ramp, more than 1 % of copies get a 5xx or
time out, its circuit opens or copies hit the in-flight cap. "stop", a brake or --max-duration
return the route to its previous percent.

Options:
      --to <percent>          target percent (above the percent in force)
      --step <percent>        percent added at every step (above 0)
      --every <duration>      time between steps: 30s, 1m, 5m
      --max-duration <d>      the ramp ends after this long (default load.maxDuration, 30m; at most 1d)
      --reason <text>         why, for the log and load status
  -c, --config <file>         read admin.host, admin.port and admin.token from this file (default: shadowgate.yaml)
      --admin <url>           admin API base URL instead, e.g. http://127.0.0.1:9901
      --json                  print the admin API's JSON answer
  -h, --help                  show this help

Environment:
  ${ADMIN_TOKEN_ENV}  bearer token for the admin API (overrides admin.token of the config)
`

function positiveNumber(flag: string, text: string | undefined): number | string {
  if (text === undefined) return `load start needs --${flag}`
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) return `--${flag} must be a number above 0 (got "${text}")`
  return n
}

function durationFlag(flag: string, text: string | undefined, required: boolean): string | undefined | { problem: string } {
  if (text === undefined) return required ? { problem: `load start needs --${flag}` } : undefined
  const ms = parseDuration(text)
  if (ms === undefined || ms <= 0) return { problem: `--${flag} must be a positive duration such as 30s, 1m or 10m (got "${text}")` }
  return text
}

/** The body of `POST /routes/:rule/load`, or the usage problem. */
function startBody(values: Record<string, string | boolean | undefined>): Record<string, unknown> | string {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined)
  const to = positiveNumber('to', str('to'))
  if (typeof to === 'string') return to
  const step = positiveNumber('step', str('step'))
  if (typeof step === 'string') return step
  const every = durationFlag('every', str('every'), true)
  if (typeof every === 'object') return every.problem
  const maxDuration = durationFlag('max-duration', str('max-duration'), false)
  if (typeof maxDuration === 'object') return maxDuration.problem
  const reason = str('reason')
  return { to, step, every, ...(maxDuration === undefined ? {} : { maxDuration }), ...(reason === undefined ? {} : { reason }) }
}

/** `shadowgate load start|stop|status`: resolves with the exit code. */
export async function runLoadCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      config: { type: 'string', short: 'c' },
      admin: { type: 'string' },
      to: { type: 'string' },
      step: { type: 'string' },
      every: { type: 'string' },
      'max-duration': { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    LOAD_USAGE,
  )
  if (isExit(parsed)) return parsed.exitCode
  const { values, positionals } = parsed
  if (values.help) {
    printOut(LOAD_USAGE)
    return EXIT_OK
  }
  const [action, ...args] = positionals
  if (action === undefined) return usageError('load needs an action: start, stop or status', LOAD_USAGE)
  if (action !== 'start' && action !== 'stop' && action !== 'status') return usageError(`unknown load action "${action}" (use start, stop or status)`, LOAD_USAGE)
  if (action === 'status' ? args.length > 1 : args.length !== 1) return usageError(`load ${action} takes ${action === 'status' ? '[rule]' : '<rule>'}`, LOAD_USAGE)
  const rampFlags = ['to', 'step', 'every', 'max-duration', 'reason'] as const
  const stray = action === 'start' ? undefined : rampFlags.find((f) => values[f] !== undefined)
  if (stray !== undefined) return usageError(`--${stray} only goes with load start`, LOAD_USAGE)
  const body = action === 'start' ? startBody(values) : undefined
  if (typeof body === 'string') return usageError(body, LOAD_USAGE)

  const target = adminTargetFromFlags(values, LOAD_USAGE)
  if (isExit(target)) return target.exitCode
  const rule = args[0]
  const path = rule === undefined ? '' : `/routes/${encodeURIComponent(rule)}/load`
  const result = action === 'start' ? await callAdmin(target, 'POST', path, body) : action === 'stop' ? await callAdmin(target, 'DELETE', path) : await callAdmin(target, 'GET', '/load')
  if (!result.ok) {
    printCliError(result.kind, result.message)
    return EXIT_FAILURE
  }
  if (action === 'status') {
    const routes = (result.body as { routes: LoadRampJson[] }).routes.filter((r) => rule === undefined || r.route === rule)
    if (rule !== undefined && routes.length === 0) {
      printCliError('admin', `no route rule is named "${rule}" (SG_UNKNOWN_ROUTE)`)
      return EXIT_FAILURE
    }
    printOut(values.json ? JSON.stringify({ routes }, null, 2) : formatLoadTable(routes))
    return EXIT_OK
  }
  if (values.json) printOut(JSON.stringify(result.body, null, 2))
  else {
    const answer = result.body as { load: LoadRampJson; stopped?: boolean }
    printOut(action === 'stop' && answer.stopped === false ? `${answer.load.route}: no load ramp running (percent ${answer.load.percent}%)` : formatLoadLine(answer.load))
  }
  return EXIT_OK
}
