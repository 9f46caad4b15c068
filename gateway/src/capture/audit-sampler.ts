import { DEFAULT_AUDIT_PERCENT, stickyBucket, type RouteConfig } from '@shadowgate/shared'

/**
 * Decides which mirrored requests are audited, per route `audit.percent`. The decision hashes the
 * correlation id, so it is reproducible for a given request and needs no shared state; 0 and 100
 * short-circuit without hashing. Routes the config does not name are audited in full.
 */
export class AuditSampler {
  readonly #percent = new Map<string, number>()

  constructor(routes: readonly RouteConfig[]) {
    for (const r of routes) this.#percent.set(r.name, r.audit.percent)
  }

  sampled(route: string, requestId: string): boolean {
    const percent = this.#percent.get(route) ?? DEFAULT_AUDIT_PERCENT
    if (percent >= 100) return true
    if (percent <= 0) return false
    return stickyBucket(requestId, `audit:${route}`) < percent
  }
}
