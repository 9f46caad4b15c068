import { UNKNOWN_ROUTE_RULES, auditRulesFingerprint, cliErrorLine, colorEnabled, type ShadowgateConfig } from '@shadowgate/shared'
import { renderDiff } from '../diff/render-diff.js'
import { CliUsageError, ConnectionFailedError } from '../errors.js'
import { DEFAULT_MISMATCH_LIMIT, MAX_MISMATCH_LIMIT, sinceDuration } from '../http/build-audit-http-app.js'
import type { MismatchGroup } from '../mismatch/mismatch-group.js'
import { MismatchStore } from '../mismatch/mismatch-store.js'
import { EXIT_OK, EXIT_USAGE, processIo, type CliIo } from './cli-io.js'
import { reportCommandError } from './describe-startup-error.js'
import { formatMismatchGroups } from './format-mismatch-groups.js'
import { withCliRedis } from './with-cli-redis.js'
import { loadConfigFile } from './load-config-file.js'
import { parseCommandArgs } from './parse-command-args.js'

export const MISMATCHES_USAGE = `Usage: shadowgate mismatches [--route name] [--since 10m] [--limit n] [--config shadowgate.yaml | --url http://audit-host:9902]
       shadowgate mismatches clear [--route name] [--config shadowgate.yaml]

Lists mismatch groups (route, count, first and last seen, paths) with the colored diff of the latest
sample of each, largest group first. Groups found under other audit rules than the current config's
are marked stale and listed last. Reads Redis directly (--config) or asks a running audit worker
(--url, its GET /mismatches; the worker's worker.http.token, if it has one, is read from the
SHADOWGATE_WORKER_TOKEN environment variable).

\`clear\` deletes the groups (all, or one route's) with their samples; pairs judged afterwards start
new groups. It needs Redis (--config): the worker's HTTP API is read-only.

Options:
  -r, --route <name>   only this route
  -s, --since <time>   only groups hit in the last <time> (10m, 2h, 7d)
  -n, --limit <n>      at most n groups (1-${MAX_MISMATCH_LIMIT}, default ${DEFAULT_MISMATCH_LIMIT})
  -c, --config <file>  configuration file (default: shadowgate.yaml, unless --url is given)
  -u, --url <url>      base URL of an audit worker's HTTP API
      --json           print the groups as JSON
      --color          ANSI colors even when stdout is not a terminal
      --no-color       no ANSI colors (the default when NO_COLOR is set and not empty, or stdout is not a terminal)
  -h, --help           show this help
`

const FETCH_TIMEOUT_MS = 10_000

async function fromUrl(base: string, token: string | undefined, route: string | undefined, limit: number, since: string | undefined): Promise<MismatchGroup[]> {
  let url: URL
  try {
    url = new URL('/mismatches', base)
  } catch {
    throw new CliUsageError(`--url must be an absolute http:// URL (got "${base}")`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError(`--url must use http:// or https:// (got "${base}")`)
  if (route !== undefined) url.searchParams.set('route', route)
  url.searchParams.set('limit', String(limit))
  if (since !== undefined) url.searchParams.set('since', since)
  let res: Response
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  } catch (err) {
    throw ConnectionFailedError.reaching(`the audit worker at ${url.origin}`, err)
  }
  if (res.status === 401) throw new Error(`${url.origin} answered 401: set SHADOWGATE_WORKER_TOKEN to the worker's worker.http.token`)
  const body = (await res.json().catch(() => undefined)) as { groups?: MismatchGroup[]; error?: { code?: string; message?: string } } | undefined
  if (!res.ok || !body || !Array.isArray(body.groups)) {
    const why = body?.error?.message ? `: ${body.error.code ?? 'error'}: ${body.error.message}` : ''
    throw new Error(`${url.origin} answered ${res.status}${why}`)
  }
  return body.groups
}

/** Runs `use` with the mismatch store of the config's Redis, and the current rules fingerprint per route. */
async function withStore<T>(configPath: string, env: CliIo['env'], use: (store: MismatchStore, config: ShadowgateConfig) => Promise<T>): Promise<T> {
  const config = await loadConfigFile(configPath, env)
  if (!config.redis) throw new CliUsageError(`${configPath} has no redis section: give --url of an audit worker instead`)
  const redisCfg = config.redis
  return await withCliRedis(redisCfg, FETCH_TIMEOUT_MS, (redis) => use(new MismatchStore(redis, redisCfg.prefix, config.worker), config))
}

function fromRedis(configPath: string, env: CliIo['env'], route: string | undefined, limit: number, sinceMs: number | undefined): Promise<MismatchGroup[]> {
  return withStore(configPath, env, (store, config) => {
    const rules = new Map(config.routes.map((r) => [r.name, auditRulesFingerprint(r.audit)]))
    return store.list({ route, limit, sinceMs, currentRules: (r) => rules.get(r) ?? UNKNOWN_ROUTE_RULES })
  })
}

/** Parsed flags, or the exit code when parsing failed (the reason and the usage are printed) or --help was asked. */
function parseFlags<T>(io: CliIo, parse: () => T & { help?: boolean | undefined }): T | number {
  let parsed
  try {
    parsed = parse()
  } catch (err) {
    io.stderr.write(`${cliErrorLine('usage', (err as Error).message)}\n\n${MISMATCHES_USAGE}`)
    return EXIT_USAGE
  }
  if (parsed.help === true) {
    io.stdout.write(MISMATCHES_USAGE)
    return EXIT_OK
  }
  return parsed
}

/** `shadowgate mismatches clear [--route r]`: deletes groups through Redis. */
async function runClear(argv: string[], io: CliIo): Promise<number> {
  const values = parseFlags(io, () => {
    const v = parseCommandArgs('clear', argv, {
      route: { type: 'string', short: 'r' },
      config: { type: 'string', short: 'c' },
      url: { type: 'string', short: 'u' },
      help: { type: 'boolean', short: 'h' },
    })
    if (v.url !== undefined) throw new CliUsageError('clear needs --config (Redis access): the audit worker HTTP API is read-only')
    return v
  })
  if (typeof values === 'number') return values
  try {
    const n = await withStore(values.config ?? 'shadowgate.yaml', io.env, (store) => store.clear(values.route))
    io.stdout.write(`Cleared ${n} mismatch group${n === 1 ? '' : 's'}${values.route !== undefined ? ` of route ${values.route}` : ''}.\n`)
    return EXIT_OK
  } catch (err) {
    return reportCommandError(err, io)
  }
}

/** `shadowgate mismatches`: prints mismatch groups; resolves with the exit code. */
export async function runMismatchesCommand(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = argv[0] === 'mismatches' ? argv.slice(1) : argv
  if (args[0] === 'clear') return await runClear(args.slice(1), io)
  const parsed = parseFlags(io, () => {
    let limit = DEFAULT_MISMATCH_LIMIT
    let sinceMs: number | undefined
    const values = parseCommandArgs('mismatches', args, {
      route: { type: 'string', short: 'r' },
      since: { type: 'string', short: 's' },
      limit: { type: 'string', short: 'n' },
      config: { type: 'string', short: 'c' },
      url: { type: 'string', short: 'u' },
      json: { type: 'boolean' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    })
    if (values.limit !== undefined) {
      limit = Number(values.limit)
      if (!/^[0-9]+$/.test(values.limit) || limit < 1 || limit > MAX_MISMATCH_LIMIT) throw new CliUsageError(`--limit must be a whole number between 1 and ${MAX_MISMATCH_LIMIT} (got "${values.limit}")`)
    }
    if (values.since !== undefined) {
      const span = sinceDuration(values.since)
      if (span === undefined) throw new CliUsageError(`--since must be a duration such as 10m, 2h or 7d (got "${values.since}")`)
      sinceMs = Date.now() - span
    }
    if (values.url !== undefined && values.config !== undefined) throw new CliUsageError('give either --config or --url, not both')
    return { values, limit, sinceMs, help: values.help }
  })
  if (typeof parsed === 'number') return parsed
  const { values, limit, sinceMs } = parsed
  let groups: MismatchGroup[]
  try {
    groups = values.url !== undefined ? await fromUrl(values.url, io.env['SHADOWGATE_WORKER_TOKEN'] || undefined, values.route, limit, values.since) : await fromRedis(values.config ?? 'shadowgate.yaml', io.env, values.route, limit, sinceMs)
  } catch (err) {
    return reportCommandError(err, io)
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ groups }, null, 2)}\n`)
    return EXIT_OK
  }
  const color = colorEnabled({ color: values.color, noColor: values['no-color'], env: io.env, isTTY: io.stdout.isTTY })
  io.stdout.write(formatMismatchGroups(groups, { color, route: values.route, since: values.since, render: renderDiff }))
  return EXIT_OK
}
