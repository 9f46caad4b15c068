import { logSafeError } from '@shadowgate/shared'
import { pino, type Logger } from 'pino'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

/** The services' pino logger: JSON lines on stdout, at `level`, else SHADOWGATE_LOG_LEVEL, else info. */
export function createServiceLogger(level?: string): Logger {
  const fromEnv = process.env['SHADOWGATE_LOG_LEVEL']
  const chosen = level ?? (fromEnv && LOG_LEVELS.includes(fromEnv) ? fromEnv : 'info')
  return pino({ level: chosen, name: 'shadowgate', serializers: { err: logSafeError } })
}
