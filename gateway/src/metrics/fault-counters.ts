import { Counter, type Registry } from 'prom-client'

/**
 * Counts what a process refused or survived instead of crashing: values read from Redis or cluster
 * IPC that failed validation, and errors caught in event handlers. Both are also logged; a non-zero
 * rate means a bad writer (or a bug) somewhere in the fleet, never a lost request.
 */
export class FaultCounters {
  readonly #rejected: Counter<'source'>
  readonly #handlerErrors: Counter<'handler'>

  constructor(registry: Registry) {
    const registers = [registry]
    this.#rejected = new Counter({
      name: 'shadowgate_runtime_rejected_values_total',
      help: 'Runtime values read from Redis (source fleet) or cluster IPC (source cluster) that failed validation and were ignored',
      labelNames: ['source'],
      registers,
    })
    this.#handlerErrors = new Counter({
      name: 'shadowgate_event_handler_errors_total',
      help: 'Errors caught in event handlers (Redis messages, cluster IPC, timers): logged and ignored instead of ending the process',
      labelNames: ['handler'],
      registers,
    })
  }

  rejectedValue(source: string): void {
    this.#rejected.inc({ source })
  }

  handlerError(handler: string): void {
    this.#handlerErrors.inc({ handler })
  }
}
