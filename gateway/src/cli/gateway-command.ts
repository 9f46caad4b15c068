import { routeInfluxClientLogs } from '@shadowgate/influx'
import cluster from 'node:cluster'
import { EXIT_FAILURE, EXIT_OK, printCliError, printOut, usageError } from './cli-output.js'
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load-config-file.js'
import { isExit, parseCommandArgs } from './parse-command-args.js'
import { LOG_LEVELS, createServiceLogger } from './service-logger.js'

export const GATEWAY_USAGE = `Usage: shadowgate gateway [--config shadowgate.yaml] [--workers N] [--log-level info]

Runs the gateway: the traffic listener (listen.host:listen.port, default 0.0.0.0:8080) forwards every
request to the primary and copies the configured share to the shadow; the admin API listens apart
(admin.host:admin.port, default 127.0.0.1:9901). SIGTERM or SIGINT stops accepting, lets in-flight
requests finish and exits 0; a second signal exits at once.

Options:
  -c, --config <file>      configuration file (default: shadowgate.yaml); \${VAR} is read from the environment
  -w, --workers <n>        run n worker processes sharing the traffic port (node:cluster); the primary
                           process runs the admin API and restarts crashed workers
      --log-level <level>  trace, debug, info, warn, error (default: SHADOWGATE_LOG_LEVEL or info)
  -h, --help               show this help
`

const MAX_WORKERS = 256

/** `shadowgate gateway`: runs until SIGTERM/SIGINT and resolves with the exit code. */
export async function runGatewayCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      config: { type: 'string', short: 'c', default: DEFAULT_CONFIG_PATH },
      workers: { type: 'string', short: 'w' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    GATEWAY_USAGE,
  )
  if (isExit(parsed)) return parsed.exitCode
  const { values, positionals } = parsed
  if (values.help) {
    printOut(GATEWAY_USAGE)
    return EXIT_OK
  }
  if (positionals.length > 0) return usageError(`unexpected argument "${positionals[0]}"`, GATEWAY_USAGE)
  let workers: number | undefined
  if (values.workers !== undefined) {
    workers = Number(values.workers)
    if (!/^\d+$/.test(values.workers) || workers < 1 || workers > MAX_WORKERS) {
      return usageError(`--workers must be a whole number between 1 and ${MAX_WORKERS} (got "${values.workers}")`, GATEWAY_USAGE)
    }
  }
  const level = values['log-level']
  if (level !== undefined && !LOG_LEVELS.includes(level)) return usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`, GATEWAY_USAGE)
  const loaded = loadConfigFile(values.config)
  if (isExit(loaded)) return loaded.exitCode
  const { config } = loaded
  const logger = createServiceLogger(level)
  routeInfluxClientLogs(logger)
  try {
    // The server is loaded only after the arguments and the config passed, so usage errors stay fast.
    if (workers === undefined) return await (await import('../server/standalone-server.js')).runStandaloneServer(config, { logger })
    // Workers re-run this command with the same arguments; node:cluster tells them apart.
    if (cluster.isPrimary) return await (await import('../server/cluster-primary.js')).runClusterPrimary(config, { logger, workers })
    return await (await import('../server/cluster-worker.js')).runClusterWorker(config, { logger })
  } catch (err) {
    logger.error({ err }, 'the gateway could not start')
    printCliError('start', `the gateway could not start: ${(err as Error).message}`)
    return EXIT_FAILURE
  }
}
