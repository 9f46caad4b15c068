import type { Logger } from 'pino'
import type { FaultCounters } from '../metrics/fault-counters.js'

/** Where a guarded handler reports what it caught. */
export interface HandlerGuard {
  readonly logger: Logger
  readonly faults?: FaultCounters | undefined
}

/** Logs and counts an error caught in an event handler (the `handler` label names it). */
export function reportHandlerError(guard: HandlerGuard, handler: string, err: unknown): void {
  try {
    guard.faults?.handlerError(handler)
    guard.logger.error({ handler, err }, 'an event handler failed; the event was ignored')
  } catch {
    // Reporting must not become the throw it is there to prevent.
  }
}

/**
 * Wraps an event handler (EventEmitter listener, timer callback) so that nothing it throws or
 * rejects with reaches the emitter: a throw there is an uncaught exception that ends the process,
 * and in a cluster a message every process receives would end all of them at once.
 */
export function guardHandler<A extends unknown[]>(guard: HandlerGuard, handler: string, fn: (...args: A) => unknown): (...args: A) => void {
  return (...args: A): void => {
    try {
      const out = fn(...args)
      if (out instanceof Promise) out.catch((err: unknown) => reportHandlerError(guard, handler, err))
    } catch (err) {
      reportHandlerError(guard, handler, err)
    }
  }
}
