import { cliErrorLine, logSafeError, parseDuration } from '@shadowgate/shared'
import { InfluxWriter, routeInfluxClientLogs } from '@shadowgate/influx'
import { pino, type Logger } from 'pino'
import { CliUsageError } from '../errors.js'
import { WriteReplayer } from '../replay/write-replayer.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, type CliIo } from './cli-io.js'
import { describeStartupError } from './describe-startup-error.js'
import { loadConfigFile } from './load-config-file.js'
import { parseCommandArgs } from './parse-command-args.js'

export const REPLAY_USAGE = `Usage: shadowgate replay [--config shadowgate.yaml] [--log-level info] [--lease-ttl 15s] [--poll 200ms] [--backoff 500ms] [--report-every 5s]

Runs the write replayer: drains the write log (Redis Streams under redis.prefix) of every route
with a writes block into the other side while the route's write stage is replay (old to new) or
final (new to old). Several replayers share the partitions; one owns a partition at a time.
Writes shadowgate_replay and shadowgate_replay_audit points to influx when configured.
SIGTERM or SIGINT stops it; entries in flight are claimed again by the next replayer.

Options:
  -c, --config <file>        configuration file (default: shadowgate.yaml)
      --log-level <level>    trace, debug, info, warn, error (default: info)
      --lease-ttl <duration> how long a partition stays with a replayer that stopped answering (default: 15s)
      --poll <duration>      pause of an idle partition and between outcome checks (default: 200ms)
      --backoff <duration>   first retry delay of a failing replay, doubled per attempt (default: 500ms)
      --report-every <duration> period of the lag points (default: 5s)
  -h, --help                 show this help
`

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

function duration(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const ms = parseDuration(v)
  if (ms === undefined || ms < 1 || ms > 3_600_000) throw new CliUsageError(`--${flag} must be a duration from 1ms to 1h such as 500ms or 5s (got "${v}")`)
  return ms
}

/** `shadowgate replay`: runs the replayer until SIGTERM/SIGINT and resolves with the exit code. */
export async function runReplayCommand(argv: string[], io: CliIo = processIo()): Promise<number> {
  let values
  let timing: { leaseTtlMs?: number | undefined; pollMs?: number | undefined; backoffMs?: number | undefined; reportMs?: number | undefined }
  try {
    values = parseCommandArgs('replay', argv, {
      config: { type: 'string', short: 'c' },
      'log-level': { type: 'string' },
      'lease-ttl': { type: 'string' },
      poll: { type: 'string' },
      backoff: { type: 'string' },
      'report-every': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    })
    if (values['log-level'] !== undefined && !LEVELS.includes(values['log-level'])) throw new CliUsageError(`--log-level must be one of ${LEVELS.join(', ')}`)
    timing = {
      leaseTtlMs: duration('lease-ttl', values['lease-ttl']),
      pollMs: duration('poll', values.poll),
      backoffMs: duration('backoff', values.backoff),
      reportMs: duration('report-every', values['report-every']),
    }
  } catch (err) {
    io.stderr.write(`${cliErrorLine('usage', (err as Error).message)}\n\n${REPLAY_USAGE}`)
    return EXIT_USAGE
  }
  if (values.help) {
    io.stdout.write(REPLAY_USAGE)
    return EXIT_OK
  }
  const logger: Logger = pino({ level: values['log-level'] ?? 'info', base: { service: 'shadowgate-replay' }, serializers: { err: logSafeError } })
  routeInfluxClientLogs(logger)
  let replayer: WriteReplayer | undefined
  let writer: InfluxWriter | undefined
  try {
    const config = await loadConfigFile(values.config ?? 'shadowgate.yaml', io.env)
    if (!config.redis) throw new CliUsageError('the replayer needs redis.url in the config: the write log lives in Redis')
    if (!config.routes.some((r) => r.writes)) throw new CliUsageError('no route has a writes block: there is no write log to replay')
    writer = config.influx ? new InfluxWriter(config.influx, { logger }) : undefined
    const defined = Object.fromEntries(Object.entries(timing).filter(([, v]) => v !== undefined))
    replayer = new WriteReplayer(config, { logger, ...(writer ? { points: writer } : {}), ...defined })
    replayer.start()
  } catch (err) {
    if (err instanceof CliUsageError) {
      // The config lacks what the replayer needs.
      io.stderr.write(`${cliErrorLine('config', err.message)}\n`)
      await writer?.close().catch(() => undefined)
      return EXIT_USAGE
    }
    const { message, code } = describeStartupError(err)
    io.stderr.write(`${message}\n`)
    await writer?.close().catch(() => undefined)
    return code
  }
  const running = replayer
  return await new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      logger.info({ signal }, 'stopping write replayer')
      running
        .close()
        .then(() => writer?.close())
        .then(
          () => resolve(EXIT_OK),
          (err: unknown) => {
            logger.error({ err: (err as Error).message }, 'write replayer did not stop cleanly')
            resolve(EXIT_FAILURE)
          },
        )
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}
