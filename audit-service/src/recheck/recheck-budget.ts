/** Limits of one route's extra calls: a share of its audited pairs and a rate. */
export interface BudgetLimits {
  /** Share (0-1) of the route's audited pairs; undefined: no share limit. */
  readonly maxShare: number | undefined
  /** Calls per second (burst: one second's worth, at least one). */
  readonly maxRate: number
}

interface RouteBuckets {
  share: number
  rate: number
  refilledAt: number
}

/**
 * Per-route budget of calls the worker makes on its own (re-checks, A/A samples), held by this
 * process. Two token buckets: every audited pair adds `maxShare` of a call (a route starts with one
 * call, so a quiet route can still be re-checked), and time adds `maxRate` calls per second (it
 * starts full, with one second's worth). A call needs a whole token in both, so calls never exceed
 * 1 + maxShare × pairs, nor maxRate × (1 + seconds elapsed).
 */
export class RecheckBudget {
  readonly #routes = new Map<string, RouteBuckets>()
  readonly #now: () => number

  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  /** Counts one audited pair of the route. */
  seen(route: string, limits: BudgetLimits): void {
    if (limits.maxShare === undefined) return
    const b = this.#buckets(route, limits)
    b.share = Math.min(b.share + limits.maxShare, Math.max(1, limits.maxRate))
  }

  /** Takes one call from the route's budget; false when either bucket is empty. */
  take(route: string, limits: BudgetLimits): boolean {
    const b = this.#buckets(route, limits)
    const now = this.#now()
    const burst = Math.max(1, limits.maxRate)
    b.rate = Math.min(burst, b.rate + ((now - b.refilledAt) / 1000) * limits.maxRate)
    b.refilledAt = now
    if (b.rate < 1 || (limits.maxShare !== undefined && b.share < 1)) return false
    b.rate -= 1
    if (limits.maxShare !== undefined) b.share -= 1
    return true
  }

  #buckets(route: string, limits: BudgetLimits): RouteBuckets {
    let b = this.#routes.get(route)
    if (!b) {
      b = { share: 1, rate: limits.maxRate > 0 ? Math.max(1, limits.maxRate) : 0, refilledAt: this.#now() }
      this.#routes.set(route, b)
    }
    return b
  }
}
