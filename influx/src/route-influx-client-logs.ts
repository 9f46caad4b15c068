import { setLogger } from '@influxdata/influxdb-client'
import type { Logger } from 'pino'

/**
 * The InfluxDB client prints every failed write attempt on the console, and its logger is
 * process-wide. InfluxWriter already logs and counts failures, so a service entry point (never a
 * library) routes the client's own messages to its pino logger at debug level instead.
 */
export function routeInfluxClientLogs(logger: Logger): void {
  setLogger({
    error: (msg, err) => logger.debug({ err: String(err ?? '') }, msg),
    warn: (msg, err) => logger.debug({ err: String(err ?? '') }, msg),
  })
}
