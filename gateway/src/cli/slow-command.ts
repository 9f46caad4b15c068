import { Cluster } from 'ioredis'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { slowLogKey } from '@shadowgate/shared'
import type { SlowRequest, SlowSide } from '../capture/slow-requests.js'
import { EXIT_FAILURE, EXIT_OK, printCliError, printOut, usageError } from './cli-output.js'
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load-config-file.js'
import { isExit, parseCommandArgs } from './parse-command-args.js'
import { cell, formatTextTable } from './text-table.js'

export const SLOW_USAGE = `Usage:
  shadowgate slow [--route <rule>] [--limit 50] [--json] [--config shadowgate.yaml]

Lists the latest slow requests of every gateway instance, newest first: requests whose primary or
shadow took longer than their route's slowThreshold. Each instance keeps its last slowLog.size in
Redis (the config's redis section).

Options:
  -c, --config <file>  the config file (default: shadowgate.yaml)
      --route <rule>   only this route rule
      --limit <n>      at most this many (default: 50)
      --json           print the entries as JSON
  -h, --help           show this help
`

const COMMAND_TIMEOUT_MS = 5_000
/** Keys of instances read at most: a fleet that keeps more is a misconfiguration worth bounding. */
const MAX_INSTANCES = 1_000

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)
const isStr = (v: unknown): v is string => typeof v === 'string'

/** An entry read from Redis, checked field by field: another writer may have put anything there. */
export function parseSlowEntry(text: string): SlowRequest | undefined {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return undefined
  }
  if (v === null || typeof v !== 'object') return undefined
  const e = v as Record<string, unknown>
  const slow = Array.isArray(e.slow) ? e.slow.filter((s): s is SlowSide => s === 'primary' || s === 'shadow') : []
  if (!isInt(e.time) || !isStr(e.instance) || !isStr(e.route) || !isStr(e.method) || !isStr(e.path) || !isStr(e.caller) || !isInt(e.primaryMs) || !isInt(e.primaryStatus) || slow.length === 0) return undefined
  if (!(e.shadowMs === null || isInt(e.shadowMs)) || !(e.shadowStatus === null || isInt(e.shadowStatus))) return undefined
  return { time: e.time, instance: e.instance, route: e.route, method: e.method, path: e.path, caller: e.caller, primaryMs: e.primaryMs, primaryStatus: e.primaryStatus, shadowMs: e.shadowMs, shadowStatus: e.shadowStatus, slow }
}

export function formatSlowTable(entries: readonly SlowRequest[]): string {
  if (entries.length === 0) return 'no slow requests kept'
  return formatTextTable(
    ['TIME', 'ROUTE', 'METHOD', 'PATH', 'CALLER', 'PRIMARY', 'SHADOW', 'SLOW', 'INSTANCE'],
    entries.map((e) => [
      new Date(e.time).toISOString(),
      cell(e.route),
      cell(e.method),
      cell(e.path.length > 80 ? `${e.path.slice(0, 79)}…` : e.path),
      cell(e.caller),
      `${e.primaryMs}ms ${e.primaryStatus}`,
      e.shadowMs === null ? '-' : `${e.shadowMs}ms ${e.shadowStatus ?? 'error'}`,
      e.slow.join('+'),
      cell(e.instance),
    ]),
  )
}

/** Every instance's list, merged newest first; entries that fail validation are counted, not shown. */
export async function readSlowLog(redis: RedisClient, prefix: string, route: string | undefined, limit: number): Promise<{ entries: SlowRequest[]; invalid: number }> {
  const pattern = `${slowLogKey(prefix, '').replace(/[*?[\]\\]/g, '\\$&')}*`
  const keys: string[] = []
  // A cluster answers SCAN per node: every master is walked.
  for (const server of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0'
    do {
      const [next, batch] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 200)
      cursor = next
      keys.push(...batch)
    } while (cursor !== '0' && keys.length < MAX_INSTANCES)
  }
  const entries: SlowRequest[] = []
  let invalid = 0
  for (const key of keys.slice(0, MAX_INSTANCES)) {
    for (const text of await redis.lrange(key, 0, -1)) {
      const entry = parseSlowEntry(text)
      if (entry === undefined) invalid++
      else if (route === undefined || entry.route === route) entries.push(entry)
    }
  }
  entries.sort((a, b) => b.time - a.time)
  return { entries: entries.slice(0, limit), invalid }
}

/** `shadowgate slow`: resolves with the exit code. */
export async function runSlowCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { config: { type: 'string', short: 'c' }, route: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, SLOW_USAGE)
  if (isExit(parsed)) return parsed.exitCode
  const { values, positionals } = parsed
  if (values.help) {
    printOut(SLOW_USAGE)
    return EXIT_OK
  }
  if (positionals.length > 0) return usageError(`slow takes no arguments (got "${positionals.join(' ')}")`, SLOW_USAGE)
  const limit = Number(values.limit ?? '50')
  if (!Number.isInteger(limit) || limit < 1) return usageError(`--limit must be a whole number ≥ 1 (got "${values.limit ?? ''}")`, SLOW_USAGE)
  const loaded = loadConfigFile(values.config ?? DEFAULT_CONFIG_PATH)
  if (isExit(loaded)) return loaded.exitCode
  const { config } = loaded
  if (config.redis === undefined) {
    printCliError('config', 'the config has no redis section: slow requests are kept in Redis')
    return EXIT_FAILURE
  }
  const redis = createRedisClient(config.redis, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: COMMAND_TIMEOUT_MS, retryStrategy: () => null })
  redis.on('error', () => {
    // Reported by the failing command.
  })
  try {
    await redis.connect()
    const { entries, invalid } = await readSlowLog(redis, config.redis.prefix, values.route, limit)
    printOut(values.json ? JSON.stringify(entries, null, 2) : formatSlowTable(entries))
    if (invalid > 0) printCliError('runtime', `${invalid} entries in Redis were not valid slow-log entries and were skipped`)
    return EXIT_OK
  } catch (err) {
    printCliError('connection', `Redis: ${(err as Error).message}`)
    return EXIT_FAILURE
  } finally {
    redis.disconnect()
  }
}
