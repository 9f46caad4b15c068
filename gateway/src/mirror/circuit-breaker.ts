import type { CircuitState } from '../metrics/gateway-metrics.js'

/** How a call that was let through ended, for the breaker's bookkeeping. */
export type CallOutcome = 'success' | 'failure' | 'neutral'

/** Permission to send one call: a normal pass, or the single probe of a half-open circuit. */
export type CircuitPass = 'pass' | 'probe'

export interface CircuitBreakerOptions {
  /** Consecutive failures (errors, timeouts) that open the circuit. */
  readonly consecutiveFailures: number
  /** How long an open circuit refuses calls before letting one probe through. */
  readonly openMs: number
  readonly onStateChange?: (state: CircuitState) => void
  readonly now?: () => number
}

/**
 * Stops sending copies to a shadow that keeps failing, so a broken shadow costs nothing but a
 * counter. closed -> (N consecutive failures) -> open -> (openMs later, next call) -> half_open:
 * exactly one probe goes through; its success closes the circuit, its failure opens it again.
 * Results of calls sent before the circuit opened do not decide a half-open circuit: only the
 * probe does.
 */
export class CircuitBreaker {
  readonly #threshold: number
  readonly #openMs: number
  readonly #onStateChange: ((state: CircuitState) => void) | undefined
  readonly #now: () => number
  #state: CircuitState = 'closed'
  #failures = 0
  #openedAt = 0
  #probeOut = false

  constructor(options: CircuitBreakerOptions) {
    this.#threshold = options.consecutiveFailures
    this.#openMs = options.openMs
    this.#onStateChange = options.onStateChange
    this.#now = options.now ?? performance.now.bind(performance)
  }

  get state(): CircuitState {
    return this.#state
  }

  /**
   * True while an acquire would surely be refused (open and not yet due for a probe, or the probe
   * already out), without changing any state: lets a caller skip preparing a call it cannot send.
   */
  get refusing(): boolean {
    if (this.#state === 'closed') return false
    if (this.#state === 'open') return this.#now() - this.#openedAt < this.#openMs
    return this.#probeOut
  }

  /** A pass for one call, or undefined when the circuit refuses it. Every pass must be settled with record(). */
  tryAcquire(): CircuitPass | undefined {
    if (this.#state === 'closed') return 'pass'
    if (this.#state === 'open') {
      if (this.#now() - this.#openedAt < this.#openMs) return undefined
      this.#set('half_open')
    }
    if (this.#probeOut) return undefined
    this.#probeOut = true
    return 'probe'
  }

  record(pass: CircuitPass, outcome: CallOutcome): void {
    if (pass === 'probe') {
      this.#probeOut = false
      if (outcome === 'success') {
        this.#failures = 0
        this.#set('closed')
      } else if (outcome === 'failure') this.#open()
      return
    }
    if (this.#state !== 'closed') return
    if (outcome === 'success') this.#failures = 0
    else if (outcome === 'failure' && ++this.#failures >= this.#threshold) this.#open()
  }

  #open(): void {
    this.#openedAt = this.#now()
    this.#failures = 0
    this.#set('open')
  }

  #set(state: CircuitState): void {
    if (this.#state === state) return
    this.#state = state
    this.#onStateChange?.(state)
  }
}
