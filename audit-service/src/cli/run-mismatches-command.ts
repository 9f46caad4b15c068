import { createRedisClient } from '../create-redis-client.js'
import { renderDiff } from '../diff/render-diff.js'
import { CliUsageError } from '../errors.js'
import { DEFAULT_MISMATCH_LIMIT, MAX_MISMATCH_LIMIT } from '../http/build-audit-http-app.js'
import type { MismatchGroup } from '../mismatch/mismatch-group.js'
import { MismatchStore } from '../mismatch/mismatch-store.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, type CliIo } from './cli-io.js'
import { describeStartupError } from './describe-startup-error.js'
import { formatMismatchGroups } from './format-mismatch-groups.js'
import { loadConfigFile } from './load-config-file.js'
import { parseCommandArgs } from './parse-command-args.js'

export const MISMATCHES_USAGE = `Usage: shadowgate mismatches [--route name] [--limit n] [--config shadowgate.yaml | --url http://audit-host:9902]

Lists mismatch groups (route, count, first and last seen, paths) with the colored diff of the latest
sample of each, largest group first. Reads Redis directly (--config) or asks a running audit worker
(--url, its GET /mismatches).

Options:
  -r, --route <name>   only this route
  -n, --limit <n>      at most n groups (1-${MAX_MISMATCH_LIMIT}, default ${DEFAULT_MISMATCH_LIMIT})
  -c, --config <file>  configuration file (default: shadowgate.yaml, unless --url is given)
  -u, --url <url>      base URL of an audit worker's HTTP API
      --json           print the groups as JSON
      --color          ANSI colors even when stdout is not a terminal
      --no-color       no ANSI colors (the default when NO_COLOR is set or stdout is not a terminal)
  -h, --help           show this help
`

const FETCH_TIMEOUT_MS = 10_000

async function fromUrl(base: string, route: string | undefined, limit: number): Promise<MismatchGroup[]> {
  let url: URL
  try {
    url = new URL('/mismatches', base)
  } catch {
    throw new CliUsageError(`--url must be an absolute http:// URL (got "${base}")`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError(`--url must use http:// or https:// (got "${base}")`)
  if (route !== undefined) url.searchParams.set('route', route)
  url.searchParams.set('limit', String(limit))
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  const body = (await res.json().catch(() => undefined)) as { groups?: MismatchGroup[]; message?: string } | undefined
  if (!res.ok || !body || !Array.isArray(body.groups)) throw new Error(`${url.origin} answered ${res.status}${body?.message ? `: ${body.message}` : ''}`)
  return body.groups
}

async function fromRedis(configPath: string, env: CliIo['env'], route: string | undefined, limit: number): Promise<{ groups: MismatchGroup[] }> {
  const config = await loadConfigFile(configPath, env)
  if (!config.redis) throw new CliUsageError(`${configPath} has no redis section: give --url of an audit worker instead`)
  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 1, connectTimeout: FETCH_TIMEOUT_MS, lazyConnect: true, retryStrategy: () => null })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    const store = new MismatchStore(redis, config.redis.prefix, config.worker)
    return { groups: await store.list({ route, limit }) }
  } finally {
    redis.disconnect()
  }
}

/** `shadowgate mismatches`: prints mismatch groups; resolves with the exit code. */
export async function runMismatchesCommand(argv: string[], io: CliIo = processIo()): Promise<number> {
  let values
  let limit = DEFAULT_MISMATCH_LIMIT
  try {
    values = parseCommandArgs('mismatches', argv, {
      route: { type: 'string', short: 'r' },
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
    if (values.url !== undefined && values.config !== undefined) throw new CliUsageError('give either --config or --url, not both')
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${MISMATCHES_USAGE}`)
    return EXIT_USAGE
  }
  if (values.help) {
    io.stdout.write(MISMATCHES_USAGE)
    return EXIT_OK
  }
  let groups: MismatchGroup[]
  try {
    groups = values.url !== undefined ? await fromUrl(values.url, values.route, limit) : (await fromRedis(values.config ?? 'shadowgate.yaml', io.env, values.route, limit)).groups
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr.write(`${err.message}\n`)
      return EXIT_USAGE
    }
    const { message, code } = describeStartupError(err)
    io.stderr.write(`${message}\n`)
    return code === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ groups }, null, 2)}\n`)
    return EXIT_OK
  }
  const color = values['no-color'] ? false : values.color === true || (io.env['NO_COLOR'] === undefined && io.stdout.isTTY === true)
  io.stdout.write(formatMismatchGroups(groups, { color, route: values.route, render: renderDiff }))
  return EXIT_OK
}
