import { Counter, Gauge, type Registry } from 'prom-client'
import type { GateDecision } from './gate-policy.js'

/** The gate's Prometheus metrics, on the worker's registry. */
export class GateMetrics {
  readonly #decisions: Counter<'route' | 'decision'>
  readonly #held: Gauge<'route'>
  readonly #leader: Gauge
  readonly #webhookFailures: Counter<'route'>
  readonly #errors: Counter<'route'>

  constructor(registry: Registry) {
    const registers = [registry]
    this.#decisions = new Counter({ name: 'shadowgate_gate_decisions_total', help: 'Gate decisions by route and decision (promote, hold, rollback, inconclusive, pass, fail)', labelNames: ['route', 'decision'], registers })
    this.#held = new Gauge({ name: 'shadowgate_gate_held', help: '1 while a route is held because its windows are inconclusive in a row (too few judged pairs)', labelNames: ['route'], registers })
    this.#leader = new Gauge({ name: 'shadowgate_gate_leader', help: '1 while this worker holds the gate lease and acts', registers })
    this.#webhookFailures = new Counter({ name: 'shadowgate_gate_webhook_failures_total', help: 'Gate webhook calls that failed or timed out', labelNames: ['route'], registers })
    this.#errors = new Counter({ name: 'shadowgate_gate_errors_total', help: 'Gate evaluations that failed (Redis unavailable, unreadable stored setting)', labelNames: ['route'], registers })
  }

  decision(route: string, decision: GateDecision, held: boolean): void {
    this.#decisions.inc({ route, decision })
    this.#held.set({ route }, held ? 1 : 0)
  }

  leader(on: boolean): void {
    this.#leader.set(on ? 1 : 0)
  }

  webhookFailed(route: string): void {
    this.#webhookFailures.inc({ route })
  }

  error(route: string): void {
    this.#errors.inc({ route })
  }
}
