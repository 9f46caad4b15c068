import type { Logger } from 'pino'
import type { GateMetrics } from './gate-metrics.js'
import type { GateRecord } from './gate-policy.js'

/** What the webhook receives, as JSON. */
export interface GateWebhookBody {
  readonly route: string
  readonly decision: GateRecord['decision']
  /** step, rollback, promote or propose. */
  readonly action: string
  readonly acted: boolean
  readonly stage: string
  readonly serve: number
  readonly reason: string
  readonly at: string
  readonly figures: GateRecord['figures']
}

/**
 * Calls a gate's webhook (POST JSON) on rollbacks and promotions, in the background: a bounded
 * timeout, failures logged and counted, never awaited by the evaluator. close() waits for the calls
 * in flight (each bounded by its timeout).
 */
export class GateWebhook {
  readonly #logger: Logger
  readonly #metrics: GateMetrics
  readonly #inFlight = new Set<Promise<void>>()

  constructor(logger: Logger, metrics: GateMetrics) {
    this.#logger = logger
    this.#metrics = metrics
  }

  send(url: string, timeoutMs: number, body: GateWebhookBody): void {
    const call = (async () => {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) })
        await res.body?.cancel().catch(() => undefined)
        if (!res.ok) throw new Error(`answered ${res.status}`)
      } catch (err) {
        this.#metrics.webhookFailed(body.route)
        this.#logger.warn({ route: body.route, action: body.action, err: (err as Error).message }, 'gate webhook failed')
      }
    })()
    this.#inFlight.add(call)
    void call.finally(() => this.#inFlight.delete(call))
  }

  async close(): Promise<void> {
    await Promise.all([...this.#inFlight])
  }
}
