import { cliErrorLine, logSafeError } from '@shadowgate/shared'
import { pino, type Logger } from 'pino'
import { CliUsageError } from '../errors.js'
import { routeInfluxClientLogs } from '@shadowgate/influx'
import { createAuditService } from '../worker/audit-service.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, type CliIo } from './cli-io.js'
import { describeStartupError } from './describe-startup-error.js'
import { loadConfigFile } from './load-config-file.js'
import { parseCommandArgs } from './parse-command-args.js'

export const AUDIT_USAGE = `Usage: shadowgate audit [--config shadowgate.yaml] [--log-level info]

Runs the audit worker: takes captured pairs from the BullMQ queue in Redis (redis), judges them,
writes InfluxDB series (influx) and mismatch groups, and serves GET /mismatches, /healthz and
/metrics on worker.http (default 127.0.0.1:9902). When a route has a writes block it also runs
the write replayer (as shadowgate replay does; worker.replay: false turns that off). SIGTERM or SIGINT stops fetching, lets active
jobs finish within worker.shutdownTimeout, flushes InfluxDB and exits 0.

Options:
  -c, --config <file>     configuration file (default: shadowgate.yaml)
      --log-level <level> trace, debug, info, warn, error (default: info)
  -h, --help              show this help
`

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

/**
 * `shadowgate audit`: runs the worker until SIGTERM/SIGINT and resolves with the exit code
 * (0 after a clean stop, 2 for bad usage or config, 1 when it cannot start).
 */
export async function runAuditCommand(argv: string[], io: CliIo = processIo()): Promise<number> {
  let values
  try {
    values = parseCommandArgs('audit', argv, {
      config: { type: 'string', short: 'c' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    })
    if (values['log-level'] !== undefined && !LEVELS.includes(values['log-level'])) throw new CliUsageError(`--log-level must be one of ${LEVELS.join(', ')}`)
  } catch (err) {
    io.stderr.write(`${cliErrorLine('usage', (err as Error).message)}\n\n${AUDIT_USAGE}`)
    return EXIT_USAGE
  }
  if (values.help) {
    io.stdout.write(AUDIT_USAGE)
    return EXIT_OK
  }
  const logger: Logger = pino({ level: values['log-level'] ?? 'info', base: { service: 'shadowgate-audit' }, serializers: { err: logSafeError } })
  routeInfluxClientLogs(logger)
  let service
  try {
    const config = await loadConfigFile(values.config ?? 'shadowgate.yaml', io.env)
    service = createAuditService(config, { logger })
    await service.http.listen({ host: config.worker.http.host, port: config.worker.http.port })
    await service.start()
  } catch (err) {
    const { message, code } = describeStartupError(err)
    io.stderr.write(`${message}\n`)
    await service?.close().catch(() => undefined)
    return code
  }
  return await new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      logger.info({ signal }, 'stopping audit worker')
      service.close().then(
        () => resolve(EXIT_OK),
        (err: unknown) => {
          logger.error({ err: (err as Error).message }, 'audit worker did not stop cleanly')
          resolve(EXIT_FAILURE)
        },
      )
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}
