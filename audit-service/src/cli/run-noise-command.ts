import { parseArgs } from 'node:util'
import { cliErrorLine, parseDuration, parsePathPattern, type ShadowgateConfig } from '@shadowgate/shared'
import { CliUsageError } from '../errors.js'
import { NoiseStore, type NoiseEvidence } from '../noise/noise-store.js'
import { describeClass } from '../noise/value-class.js'
import { EXIT_OK, EXIT_USAGE, processIo, type CliIo } from './cli-io.js'
import { reportCommandError } from './describe-startup-error.js'
import { loadConfigFile } from './load-config-file.js'
import { withCliRedis } from './with-cli-redis.js'

export const NOISE_USAGE = `Usage: shadowgate noise suggest [--route name] [--min-rate percent] [--config shadowgate.yaml] [--json]
       shadowgate noise apply <route> <path> [--ttl 24h] [--config shadowgate.yaml]
       shadowgate noise remove <route> <path> [--config shadowgate.yaml]
       shadowgate noise list [--config shadowgate.yaml]

suggest  proposes audit.ignore rules from A/A evidence (paths that differ between two answers of the
         shadow to the same request), with how often and over how many A/A pairs they differed.
apply    adds an ignore rule at run time for every audit worker (through Redis) until --ttl passes;
         the config file stays the source of truth at start-up, so copy lasting rules into it.
remove   removes a runtime ignore rule.
list     prints the runtime ignore rules in force and the latest changes.

Options:
  -r, --route <name>      only this route (suggest)
      --min-rate <p>      suggest paths that differed in at least p % of A/A pairs (default 1)
      --ttl <duration>    how long an applied rule lasts (default 24h, at most 30d)
  -c, --config <file>     configuration file (default: shadowgate.yaml)
      --json              print JSON (suggest, list)
  -h, --help              show this help
`

const DEFAULT_TTL_MS = 86_400_000
const MAX_TTL_MS = 30 * 86_400_000
const TIMEOUT_MS = 10_000

export interface NoiseSuggestion {
  readonly route: string
  readonly path: string
  /** Share (0-1) of the route's A/A pairs where the path differed. */
  readonly rate: number
  readonly seen: number
  readonly pairs: number
  readonly kind: string
  readonly explanation: string
}

/** Paths whose A/A rate reaches `minRate`, most frequent first. */
export function suggestIgnores(route: string, evidence: NoiseEvidence, minRate: number): NoiseSuggestion[] {
  const out: NoiseSuggestion[] = []
  for (const [path, { count, cls }] of evidence.paths) {
    const rate = count / evidence.pairs
    if (rate >= minRate) out.push({ route, path, rate, seen: count, pairs: evidence.pairs, kind: cls, explanation: describeClass(cls) })
  }
  return out.sort((a, b) => b.rate - a.rate || a.path.localeCompare(b.path))
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10} %`
}

function parse(argv: readonly string[]): { sub: string; positionals: string[]; values: Record<string, string | boolean | undefined> } {
  const args = argv[0] === 'noise' ? argv.slice(1) : [...argv]
  try {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        route: { type: 'string', short: 'r' },
        'min-rate': { type: 'string' },
        ttl: { type: 'string' },
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    const [sub = '', ...rest] = positionals
    return { sub, positionals: rest, values }
  } catch (err) {
    throw new CliUsageError((err as Error).message)
  }
}

async function withStore<T>(config: ShadowgateConfig, path: string, fn: (store: NoiseStore) => Promise<T>): Promise<T> {
  if (!config.redis) throw new CliUsageError(`${path} has no redis section: the noise evidence and runtime rules live in Redis`)
  const prefix = config.redis.prefix
  return await withCliRedis(config.redis, TIMEOUT_MS, (redis) => fn(new NoiseStore(redis, prefix)))
}

type Values = Record<string, string | boolean | undefined>

/** `--min-rate` as a share (0-1). */
function minRate(values: Values): number {
  const text = typeof values['min-rate'] === 'string' ? values['min-rate'] : '1'
  const rate = Number(text) / 100
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || rate > 1) throw new CliUsageError(`--min-rate must be a percent between 0 and 100 (got "${text}")`)
  return rate
}

/** `--ttl` in ms. */
function ttl(values: Values): number {
  const text = typeof values['ttl'] === 'string' ? values['ttl'] : undefined
  const ms = text === undefined ? DEFAULT_TTL_MS : parseDuration(text)
  if (ms === undefined || ms < 1_000 || ms > MAX_TTL_MS) throw new CliUsageError(`--ttl must be a duration between 1s and 30d (got "${text ?? ''}")`)
  return ms
}

function routeAndPath(config: ShadowgateConfig, positionals: readonly string[]): { route: string; path: string } {
  const [route, path, extra] = positionals
  if (route === undefined || path === undefined || extra !== undefined) throw new CliUsageError('give exactly a route name and a field path, e.g. noise apply orders "$.generatedAt"')
  if (!config.routes.some((r) => r.name === route)) throw new CliUsageError(`route "${route}" is not in the config (routes: ${config.routes.map((r) => r.name).join(', ') || 'none'})`)
  try {
    parsePathPattern(path)
  } catch (err) {
    throw new CliUsageError(`"${path}" is not a valid field path: ${(err as Error).message}`)
  }
  return { route, path }
}

/** `shadowgate noise`: suggests, applies, removes and lists noise ignore rules; resolves with the exit code. */
export async function runNoiseCommand(argv: string[], io: CliIo = processIo()): Promise<number> {
  let cmd: ReturnType<typeof parse>
  try {
    cmd = parse(argv)
    if (!cmd.values['help'] && !['suggest', 'apply', 'remove', 'list'].includes(cmd.sub)) throw new CliUsageError(cmd.sub ? `unknown noise command "${cmd.sub}"` : 'give a noise command: suggest, apply, remove or list')
    minRate(cmd.values)
    ttl(cmd.values)
  } catch (err) {
    io.stderr.write(`${cliErrorLine('usage', (err as Error).message)}\n\n${NOISE_USAGE}`)
    return EXIT_USAGE
  }
  if (cmd.values['help']) {
    io.stdout.write(NOISE_USAGE)
    return EXIT_OK
  }
  const configPath = typeof cmd.values['config'] === 'string' ? cmd.values['config'] : 'shadowgate.yaml'
  try {
    const config = await loadConfigFile(configPath, io.env)
    if (cmd.sub === 'suggest') return await suggest(config, configPath, cmd.values, io)
    if (cmd.sub === 'list') return await list(config, configPath, cmd.values['json'] === true, io)
    const { route, path } = routeAndPath(config, cmd.positionals)
    const by = io.env['USER'] ?? io.env['LOGNAME'] ?? 'cli'
    if (cmd.sub === 'remove') {
      const had = await withStore(config, configPath, (s) => s.remove(route, path, by))
      io.stdout.write(had ? `removed the runtime ignore rule ${path} of route ${route}\n` : `route ${route} has no runtime ignore rule ${path}\n`)
      return EXIT_OK
    }
    const ttlMs = ttl(cmd.values)
    const now = Date.now()
    await withStore(config, configPath, (s) => s.apply({ route, path, expiresAt: now + ttlMs, at: now, by }))
    io.stdout.write(`route ${route} now ignores ${path} on every audit worker until ${new Date(now + ttlMs).toISOString()} (within a few seconds); add it to routes[].audit.ignore in ${configPath} to keep it\n`)
    return EXIT_OK
  } catch (err) {
    return reportCommandError(err, io)
  }
}

async function suggest(config: ShadowgateConfig, configPath: string, values: Values, io: CliIo): Promise<number> {
  const min = minRate(values)
  const only = typeof values['route'] === 'string' ? values['route'] : undefined
  const found = await withStore(config, configPath, async (s) => {
    const routes = only !== undefined ? [only] : await s.routes()
    const out: { route: string; pairs: number; suggestions: NoiseSuggestion[] }[] = []
    for (const route of routes) {
      const ev = await s.evidence(route)
      out.push({ route, pairs: ev.pairs, suggestions: suggestIgnores(route, ev, min) })
    }
    return out
  })
  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify({ routes: found }, null, 2)}\n`)
    return EXIT_OK
  }
  if (found.every((r) => r.pairs === 0)) {
    io.stdout.write(`no A/A evidence${only !== undefined ? ` for route ${only}` : ''} yet: it needs routes[].noise.sample above 0 and audited safe requests\n`)
    return EXIT_OK
  }
  for (const r of found) {
    if (r.pairs === 0) continue
    io.stdout.write(`route ${r.route}: ${r.pairs} A/A pairs\n`)
    if (r.suggestions.length === 0) io.stdout.write('  nothing differed between two answers of the shadow: no rule to suggest\n')
    for (const s of r.suggestions) {
      io.stdout.write(`  audit.ignore: "${s.path}"  seen in ${percent(s.rate)} of A/A pairs over ${s.pairs} pairs; ${s.explanation}\n`)
      io.stdout.write(`    apply now: shadowgate noise apply ${r.route} '${s.path}'\n`)
    }
  }
  return EXIT_OK
}

async function list(config: ShadowgateConfig, configPath: string, json: boolean, io: CliIo): Promise<number> {
  const { rules, changes } = await withStore(config, configPath, async (s) => ({ rules: await s.ignores(), changes: await s.changes(20) }))
  if (json) {
    io.stdout.write(`${JSON.stringify({ rules, changes }, null, 2)}\n`)
    return EXIT_OK
  }
  io.stdout.write(rules.length === 0 ? 'no runtime ignore rules in force\n' : 'runtime ignore rules in force:\n')
  for (const r of rules) io.stdout.write(`  ${r.route}  ${r.path}  until ${new Date(r.expiresAt).toISOString()} (by ${r.by})\n`)
  if (changes.length > 0) io.stdout.write('latest changes:\n')
  for (const c of changes) io.stdout.write(`  ${new Date(c.at).toISOString()}  ${c.action}  ${c.route}  ${c.path}  by ${c.by}\n`)
  return EXIT_OK
}
