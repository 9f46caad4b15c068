import type { ShadowgateConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'
import type { FaultCounters } from '../metrics/fault-counters.js'
import { WriteLogStatus } from './write-log-status.js'
import { WriteStageStore } from './write-stage-store.js'

/** The write log's shared parts of a gateway process: the stages it follows and the operator's view. */
export interface WriteLogParts {
  readonly stages: WriteStageStore
  readonly status: WriteLogStatus
  /** Idempotent. */
  close(): Promise<void>
}

/** Whether any route has a write log. */
export function hasWriteLog(config: ShadowgateConfig): boolean {
  return config.routes.some((r) => r.writes !== undefined)
}

/**
 * The stage store (started: it follows Redis) and the status reader, when a route has a write log
 * and Redis is configured; undefined otherwise (logged, since writes are then only forwarded).
 */
export function createWriteLogParts(config: ShadowgateConfig, logger: Logger, faults?: FaultCounters): WriteLogParts | undefined {
  if (!hasWriteLog(config)) return undefined
  if (!config.redis) {
    logger.warn('routes have a write log but no redis is configured: their writes are only forwarded, never logged')
    return undefined
  }
  const stages = new WriteStageStore({ config, logger, ...(faults ? { faults } : {}) })
  stages.start()
  const status = new WriteLogStatus(config, stages)
  let closed: Promise<void> | undefined
  return {
    stages,
    status,
    close: () => (closed ??= Promise.all([stages.close(), status.close()]).then(() => undefined)),
  }
}
