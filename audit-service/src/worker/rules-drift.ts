import { auditRulesFingerprint, UNKNOWN_ROUTE_RULES, type RouteConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'

/** One (route, pair rules) combination the worker's own rules differ from. */
export interface RulesDriftEntry {
  readonly route: string
  /** Fingerprint the capturing gateway stamped on the pairs. */
  readonly pairRules: string
  /** Fingerprint of the rules this worker judges the route with (`unknown-route` when it has none). */
  readonly workerRules: string
  readonly pairs: number
  /** ISO 8601, when this worker first and last judged such a pair. */
  readonly firstSeen: string
  readonly lastSeen: string
}

export interface RulesDriftStatus {
  /** Per route of this worker's config, the fingerprint of its audit rules. */
  readonly rules: Readonly<Record<string, string>>
  readonly drift: readonly RulesDriftEntry[]
  /** Pairs whose (route, rules) combination was beyond the tracked bound (still counted in the metric). */
  readonly untracked: number
}

/** Distinct (route, pair rules) combinations kept: route names and fingerprints come from the queue, so the map is bounded. */
export const MAX_DRIFT_ENTRIES = 100

interface Entry {
  route: string
  pairRules: string
  workerRules: string
  pairs: number
  firstMs: number
  lastMs: number
}

/**
 * Notices pairs captured under other audit rules than the ones this worker judges with (the gateway
 * and the worker read different config files, or one was restarted after an edit and the other not).
 * Such a pair is still judged, with the worker's rules, but never silently: the first pair of each
 * (route, pair rules) is logged as a warning, every one is counted (`onPair`, for the metric), and
 * `status()` lists them for the worker's /healthz.
 */
export class RulesDrift {
  readonly #own: ReadonlyMap<string, string>
  readonly #logger: Logger
  readonly #onPair: (route: string) => void
  readonly #now: () => number
  readonly #entries = new Map<string, Entry>()
  #untracked = 0

  constructor(routes: readonly RouteConfig[], logger: Logger, onPair: (route: string) => void, now: () => number = Date.now) {
    this.#own = new Map(routes.map((r) => [r.name, auditRulesFingerprint(r.audit)]))
    this.#logger = logger
    this.#onPair = onPair
    this.#now = now
  }

  /** This worker's fingerprint for a route's rules. */
  rulesOf(route: string): string {
    return this.#own.get(route) ?? UNKNOWN_ROUTE_RULES
  }

  /** Checks one pair's fingerprint; returns true when it differs from this worker's. Pairs without one (older gateways) pass. */
  check(route: string, pairRules: string | undefined): boolean {
    if (pairRules === undefined) return false
    const workerRules = this.rulesOf(route)
    if (pairRules === workerRules) return false
    this.#onPair(route)
    const key = `${route}\u0000${pairRules}`
    const now = this.#now()
    const entry = this.#entries.get(key)
    if (entry) {
      entry.pairs++
      entry.lastMs = now
      return true
    }
    if (this.#entries.size >= MAX_DRIFT_ENTRIES) {
      this.#untracked++
      return true
    }
    this.#entries.set(key, { route, pairRules, workerRules, pairs: 1, firstMs: now, lastMs: now })
    this.#logger.warn(
      { route, pairRules, workerRules },
      'pairs of this route were captured under other audit rules than this worker reads: the gateway and the worker read different config files; the pairs are judged with the worker rules and mismatch groups follow the worker rules',
    )
    return true
  }

  status(): RulesDriftStatus {
    return {
      rules: Object.fromEntries(this.#own),
      drift: [...this.#entries.values()].map((e) => ({
        route: e.route,
        pairRules: e.pairRules,
        workerRules: e.workerRules,
        pairs: e.pairs,
        firstSeen: new Date(e.firstMs).toISOString(),
        lastSeen: new Date(e.lastMs).toISOString(),
      })),
      untracked: this.#untracked,
    }
  }
}
