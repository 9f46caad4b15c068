import { routeInfluxClientLogs } from '@shadowgate/influx'
import { setTimeout as sleep } from 'node:timers/promises'
import { ConfigError, colorEnabled, logSafeError, type CliErrorKind } from '@shadowgate/shared'
import { pino, type Logger } from 'pino'
import { Agent } from 'undici'
import { EXIT_FAILURE, EXIT_OK, printCliError, printErr, printOut, usageError, isExit, parseCommandArgs, LOG_LEVELS } from '@shadowgate/gateway/cli'
import { GatewayError } from '@shadowgate/gateway'
import { DEMO_MIRRORED_ROUTES, DEMO_NOISE_PATHS, newDemoRunIdentity } from './demo-config.js'
import { demoInfluxFromEnv, type DemoInflux } from './demo-influx-env.js'
import { DemoInterruption } from './demo-interruption.js'
import { DemoProgress } from './demo-progress.js'
import { startDemoRedis, type DemoRedis } from './demo-redis.js'
import { startDemoStack, type DemoStack } from './demo-stack.js'
import { auditDrained, readDemoTally, type DemoTally } from './demo-tally.js'
import { deletePrefixedKeys } from './delete-prefixed-keys.js'
import { DEMO_MIRROR_STEPS, driveDemoTraffic, type DemoTrafficResult } from './drive-demo-traffic.js'
import { formatDemoReport } from './format-demo-report.js'
import { probeInflux } from './probe-influx.js'

export const DEMO_USAGE = `Usage: shadowgate demo [--duration 20] [--rate 50] [--no-color] [--log-level error]

Runs the whole pipeline on this machine with no configuration: the sample catalog API as primary (v1)
and as shadow (v2, with deliberate differences), the gateway, the audit worker and Redis. Sends sample
traffic through the gateway while raising the mirror percent 10 → 50 → 100 through the admin API,
then prints what the audit found: per route pairs audited and mismatch rate, the top differing paths,
a sample diff, and where to look in Grafana. Everything it started is stopped at the end, also on
Ctrl-C (a second Ctrl-C exits at once).

Options:
      --duration <s>       seconds of traffic (default 20)
      --rate <n>           requests per second through the gateway (default 50)
      --no-color           no ANSI colors (also when NO_COLOR is set and not empty, or stdout is not a terminal)
      --color              ANSI colors even when stdout is not a terminal
      --log-level <level>  log level of the services, JSON on stderr (default error)
  -h, --help               show this help

Environment:
  REDIS_URL                use this Redis (keys under a per-run prefix, deleted at the end);
                           default: start redis-server from the PATH on a free port
  INFLUX_URL               also write the run to InfluxDB, with INFLUX_TOKEN (+ INFLUX_ORG, INFLUX_BUCKET,
                           default shadowgate) for 2.x/3.x, or INFLUX_DATABASE (+ INFLUX_USER,
                           INFLUX_PASSWORD) for 1.x
`

const DEFAULT_DURATION_S = 20
const MAX_DURATION_S = 3_600
const DEFAULT_RATE = 50
const MAX_RATE = 2_000
const DRAIN_TIMEOUT_MS = 10_000
/** Queue already empty and nothing moved for this long: the remaining mirrored requests left no pair. */
const DRAIN_QUIET_MS = 1_000
const CLEANUP_TIMEOUT_MS = 20_000

interface DemoArgs {
  readonly durationMs: number
  readonly rate: number
  readonly color: boolean
  readonly logLevel: string
}

function parseDemoArgs(argv: readonly string[]): DemoArgs | { exitCode: number } {
  const parsed = parseCommandArgs(
    argv,
    {
      duration: { type: 'string' },
      rate: { type: 'string' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    DEMO_USAGE,
  )
  if (isExit(parsed)) return parsed
  const { values, positionals } = parsed
  if (values.help) {
    printOut(DEMO_USAGE)
    return { exitCode: EXIT_OK }
  }
  if (positionals.length > 0) return { exitCode: usageError(`unexpected argument "${positionals[0]}"`, DEMO_USAGE) }
  const duration = values.duration === undefined ? DEFAULT_DURATION_S : Number(values.duration)
  if (!Number.isFinite(duration) || duration <= 0 || duration > MAX_DURATION_S) {
    return { exitCode: usageError(`--duration must be a number of seconds above 0 and at most ${MAX_DURATION_S} (got "${values.duration}")`, DEMO_USAGE) }
  }
  const rate = values.rate === undefined ? DEFAULT_RATE : Number(values.rate)
  if (!Number.isFinite(rate) || rate < 1 || rate > MAX_RATE) return { exitCode: usageError(`--rate must be a number of requests per second from 1 to ${MAX_RATE} (got "${values.rate}")`, DEMO_USAGE) }
  const logLevel = values['log-level'] ?? 'error'
  if (!LOG_LEVELS.includes(logLevel)) return { exitCode: usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`, DEMO_USAGE) }
  if (values.color && values['no-color']) return { exitCode: usageError('--color and --no-color exclude each other', DEMO_USAGE) }
  const color = colorEnabled({ color: values.color, noColor: values['no-color'], env: process.env, isTTY: process.stdout.isTTY })
  return { durationMs: Math.round(duration * 1_000), rate, color, logLevel }
}

function describeError(err: unknown): { kind: CliErrorKind; message: string; code: number } {
  if (err instanceof ConfigError) return { kind: 'config', message: err.message, code: 2 }
  if (err instanceof GatewayError && err.code === 'SG_INVALID_SETTING') return { kind: 'usage', message: err.message, code: 2 }
  // redis-server missing or REDIS_URL unreachable: the demo could not start.
  if (err instanceof GatewayError && err.code === 'SG_DEMO_PREREQUISITE') return { kind: 'start', message: `demo: ${err.message}`, code: EXIT_FAILURE }
  return { kind: 'runtime', message: `demo: ${err instanceof Error ? err.message : String(err)}`, code: EXIT_FAILURE }
}

async function waitForDrain(stack: DemoStack, signal: AbortSignal): Promise<{ tally: DemoTally; drained: boolean }> {
  const read = (): Promise<DemoTally> =>
    readDemoTally({ gatewaySnapshot: () => stack.gateway.metrics.snapshot(), gatewayRegistry: stack.gateway.metrics.registry, auditRegistry: stack.audit.metrics.registry })
  const deadline = Date.now() + DRAIN_TIMEOUT_MS
  let tally = await read()
  let quietSince = Date.now()
  while (!auditDrained(tally) && Date.now() < deadline && !signal.aborted) {
    await sleep(100)
    const next = await read()
    const moved = next.audited !== tally.audited || next.settledPairs !== tally.settledPairs || next.mirrored !== tally.mirrored
    tally = next
    if (moved) quietSince = Date.now()
    else if (tally.audited >= tally.enqueued && Date.now() - quietSince >= DRAIN_QUIET_MS) return { tally, drained: true }
  }
  return { tally, drained: auditDrained(tally) }
}

function introLines(stack: DemoStack, redis: DemoRedis, prefix: string, influx: DemoInflux | undefined, args: DemoArgs): string[] {
  const redisLine = redis.owned ? `${redis.description} (temporary, nothing persisted)` : `${redis.description}, keys under "${prefix}:" (deleted at the end)`
  return [
    'shadowgate demo: the sample catalog API twice, the gateway in front, the audit worker behind it',
    `  primary   ${stack.primaryUrl}   catalog v1`,
    `  shadow    ${stack.shadowUrl}   catalog v2: prices rounded to tenths, name → title on /products/:id, categories sorted by name, every 5th /search fails`,
    `  gateway   ${stack.trafficUrl}   try: curl ${stack.trafficUrl}/products/2   (admin API ${stack.adminUrl})`,
    `  redis     ${redisLine}`,
    `  influxdb  ${influx ? influx.description : 'off (set INFLUX_URL to write the run to InfluxDB)'}`,
    `Sending ${args.rate} requests/s for ${args.durationMs / 1_000} s; mirror ${DEMO_MIRROR_STEPS.map((s) => `${s} %`).join(' → ')} on ${DEMO_MIRRORED_ROUTES.join(', ')}`,
  ]
}

/**
 * `shadowgate demo`: starts everything, drives traffic with a progress bar, prints the report and
 * stops everything it started. Resolves with the exit code: 0, 1 when something could not start,
 * 2 for bad usage, 130 after Ctrl-C (143 after SIGTERM).
 */
export async function runDemoCommand(argv: string[]): Promise<number> {
  const args = parseDemoArgs(argv)
  if ('exitCode' in args) return args.exitCode
  let influx: DemoInflux | undefined
  try {
    influx = demoInfluxFromEnv(process.env)
  } catch (err) {
    return usageError(describeError(err).message, DEMO_USAGE)
  }
  const logger: Logger = pino({ level: args.logLevel, base: { service: 'shadowgate-demo' }, serializers: { err: logSafeError } }, pino.destination({ fd: 2, sync: true }))
  routeInfluxClientLogs(logger)
  const interruption = new DemoInterruption()
  // A closed pipe (`npm run demo | head`) must not crash the demo before it has stopped what it started.
  const ignoreBrokenPipe = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') logger.error({ err }, 'cannot write to the terminal')
  }
  process.stdout.on('error', ignoreBrokenPipe)
  process.stderr.on('error', ignoreBrokenPipe)
  const run = newDemoRunIdentity()
  const progress = new DemoProgress(process.stderr, { color: args.color })
  const dispatcher = new Agent({ connections: 32 })
  let redis: DemoRedis | undefined
  let stack: DemoStack | undefined
  let code = EXIT_OK
  try {
    if (influx) await probeInflux(String(influx.section['url']), dispatcher)
    redis = await startDemoRedis(process.env, { onSpawn: (killNow) => interruption.onEmergency(killNow) })
    if (interruption.aborted) return interruption.exitCode
    stack = await startDemoStack({ redisUrl: redis.url, influx, run, logger })
    if (interruption.aborted) return interruption.exitCode
    const live = stack
    for (const line of introLines(live, redis, run.redisPrefix, influx, args)) printErr(line)

    const started = Date.now()
    let percent: number | undefined
    const figures = async (): Promise<void> => {
      const t = await readDemoTally({ gatewaySnapshot: () => live.gateway.metrics.snapshot(), gatewayRegistry: live.gateway.metrics.registry, auditRegistry: live.audit.metrics.registry })
      progress.update({ elapsedMs: Math.min(Date.now() - started, args.durationMs), totalMs: args.durationMs, percent, requests: t.requests, mirrored: t.mirrored, audited: t.audited, mismatched: t.mismatched })
    }
    let reading: Promise<void> | undefined
    const tick = (): void => {
      reading ??= figures()
        .catch(() => undefined)
        .finally(() => {
          reading = undefined
        })
    }
    const ticker = setInterval(tick, process.stderr.isTTY ? 200 : 1_000)
    let traffic: DemoTrafficResult
    try {
      traffic = await driveDemoTraffic({
        target: live.trafficUrl,
        admin: { url: live.adminUrl, token: run.adminToken, dispatcher },
        routes: DEMO_MIRRORED_ROUTES,
        durationMs: args.durationMs,
        rate: args.rate,
        signal: interruption.controller.signal,
        dispatcher,
        onStep: (step) => {
          percent = step.percent
          progress.note(`mirror ${step.percent} % on every catalog route   (PUT ${live.adminUrl}/routes/<route>/mirror {"percent": ${step.percent}}, as "shadowgate mirror set <route> ${step.percent}" does)`)
        },
      })
    } finally {
      clearInterval(ticker)
    }
    const trafficMs = Date.now() - started
    if (interruption.aborted) return interruption.exitCode
    await reading
    await figures().catch(() => undefined)
    progress.finish()
    printErr(`Traffic done; waiting for the audit worker to empty the queue (at most ${DRAIN_TIMEOUT_MS / 1_000} s)`)
    const { tally, drained } = await waitForDrain(live, interruption.controller.signal)
    if (interruption.aborted) return interruption.exitCode
    const groups = await live.audit.store.list({ limit: 1_000 })
    const influxLines = live.influxLines()
    // Closing first flushes InfluxDB, so the report can say what reached it.
    await live.close()
    const written = live.influxLines() ?? influxLines
    printOut(
      formatDemoReport({
        routes: DEMO_MIRRORED_ROUTES,
        tally,
        groups,
        elapsedMs: trafficMs,
        sent: traffic.sent,
        failures: traffic.failures,
        steps: DEMO_MIRROR_STEPS,
        drained,
        declared: [
          `${DEMO_NOISE_PATHS.join(', ')} ignored on every route: both versions fill them afresh on every answer`,
          'categories: $.categories matched by id, order ignored (arrays keyed:id); v2 sorts them by name. Without the rule the reordering is reported.',
        ],
        influx: influx && written ? { description: influx.description, ...written } : undefined,
        color: args.color,
      }),
    )
  } catch (err) {
    progress.finish()
    if (interruption.aborted) return interruption.exitCode
    const { kind, message, code: failure } = describeError(err)
    printCliError(kind, message)
    code = failure
  } finally {
    code = await cleanUp({ stack, redis, prefix: run.redisPrefix, logger, interruption, dispatcher, code })
    interruption.dispose()
    process.stdout.off('error', ignoreBrokenPipe)
    process.stderr.off('error', ignoreBrokenPipe)
  }
  return interruption.aborted ? interruption.exitCode : code
}

async function cleanUp(opts: { stack: DemoStack | undefined; redis: DemoRedis | undefined; prefix: string; logger: Logger; interruption: DemoInterruption; dispatcher: Agent; code: number }): Promise<number> {
  const { stack, redis, logger } = opts
  let code = opts.code
  const steps = async (): Promise<void> => {
    await stack?.close()
    await opts.dispatcher.close().catch(() => undefined)
    if (redis && !redis.owned) {
      try {
        await deletePrefixedKeys(redis.url, opts.prefix)
      } catch (err) {
        printCliError('runtime', `demo: could not delete the demo's keys "${opts.prefix}:*" from REDIS_URL: ${(err as Error).message}`)
      }
    }
    await redis?.close()
  }
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLEANUP_TIMEOUT_MS)
  })
  try {
    const result = await Promise.race([steps().then(() => 'done' as const), timedOut])
    if (result === 'timeout') {
      printCliError('runtime', `demo: stopping took longer than ${CLEANUP_TIMEOUT_MS / 1_000} s; killing what is left`)
      opts.interruption.emergency()
      if (code === EXIT_OK) code = EXIT_FAILURE
    }
  } catch (err) {
    logger.error({ err }, 'the demo did not stop cleanly')
    opts.interruption.emergency()
    if (code === EXIT_OK) code = EXIT_FAILURE
  } finally {
    clearTimeout(timer)
  }
  return code
}
