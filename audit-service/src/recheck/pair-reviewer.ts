import { DEFAULT_RECHECK_MIN_DELAY_MS, parsePathPattern, type AuditJob, type PathPattern, type RouteAuditConfig, type RouteConfig, type ShadowgateConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'
import { withoutNoise } from '../noise/noise-filter.js'
import type { NoiseSampler } from '../noise/noise-sampler.js'
import type { NoiseEvidence, NoiseStore } from '../noise/noise-store.js'
import type { Verdict } from '../verdict/verdict.js'
import type { RecheckBudget } from './recheck-budget.js'
import type { RecheckMetrics } from './recheck-metrics.js'
import type { RecheckQueue } from './recheck-queue.js'
import { unreplayableReason } from './replay-request.js'

export interface PairReviewerDeps {
  readonly config: ShadowgateConfig
  readonly store: NoiseStore
  readonly sampler: NoiseSampler
  readonly budget: RecheckBudget
  readonly recheck: RecheckQueue
  readonly metrics: RecheckMetrics
  readonly logger: Logger
  /** How long A/A evidence and runtime ignore rules read from Redis are reused; default 2 s. */
  readonly cacheMs?: number
}

const EMPTY: NoiseEvidence = { pairs: 0, paths: new Map() }
// Weight of the newest shadow latency in the route's running average.
const LAG_WEIGHT = 0.2

interface RouteState {
  readonly raw: { pairs: number; paths: Map<string, number> }
  lagMs: number | undefined
  evidence: NoiseEvidence
  evidenceAt: number
}

/**
 * What happens to a judged pair before it counts: its A/B differences feed the raw rates, a sample
 * of it is sent A/A, differences the route's noise explains are left out, and a remaining mismatch
 * of a safe request on a route with re-checks is handed to the re-check queue (within budget) instead
 * of being recorded now. Also gives the judge the route's rules with the runtime ignore rules added.
 */
export class PairReviewer {
  readonly #d: PairReviewerDeps
  readonly #routes: ReadonlyMap<string, RouteConfig>
  readonly #state = new Map<string, RouteState>()
  #ignores = new Map<string, PathPattern[]>()
  #ignoresAt = -Infinity
  #ignoresLoading: Promise<void> | undefined

  constructor(deps: PairReviewerDeps) {
    this.#d = deps
    this.#routes = new Map(deps.config.routes.map((r) => [r.name, r]))
  }

  /** The route's audit rules plus the runtime ignore rules in force for it (read at most every cacheMs). */
  async rulesFor(route: string): Promise<RouteAuditConfig | undefined> {
    await this.#refreshIgnores()
    const base = this.#routes.get(route)?.audit
    const extra = this.#ignores.get(route)
    if (!extra || extra.length === 0 || !base) return base
    return { ...base, ignore: [...base.ignore, ...extra] }
  }

  /** The verdict with the route's noise left out (no bookkeeping): used for replayed pairs too. */
  async filter(route: string, verdict: Verdict): Promise<Verdict> {
    if (verdict.outcome !== 'mismatch') return verdict
    const s = this.#routeState(route)
    return withoutNoise(route, verdict, s.raw, await this.#evidence(route, s))
  }

  /** Reviews a captured pair's verdict: the verdict to record now, or `deferred` when a re-check records it later. */
  async review(job: AuditJob, verdict: Verdict): Promise<Verdict | 'deferred'> {
    const route = this.#routes.get(job.route)
    const s = this.#routeState(job.route)
    this.#observe(s, verdict)
    this.#d.sampler.maybeSample(job, route)
    const rc = route?.recheck
    if (rc?.enabled) this.#d.budget.seen(job.route, rc)
    const filtered = await this.filter(job.route, verdict)
    if (filtered.outcome !== 'mismatch' || !rc?.enabled) return filtered
    const why = unreplayableReason(job.request)
    // Unsafe methods are never sent again: their mismatch counts as judged.
    if (why === 'method') return filtered
    let reason = why ?? 'budget'
    if (why === undefined && this.#d.budget.take(job.route, rc)) {
      const delay = rc.delayMs ?? Math.max(DEFAULT_RECHECK_MIN_DELAY_MS, 2 * (s.lagMs ?? 0))
      try {
        await this.#d.recheck.schedule(job, filtered, delay)
        return 'deferred'
      } catch (err) {
        // The pair still counts, as a mismatch nobody could re-check.
        this.#d.logger.warn({ route: job.route, err: (err as Error).message }, 'could not schedule a re-check; the mismatch counts as unverified')
        reason = 'recheck_queue'
      }
    }
    this.#d.metrics.recheck(job.route, 'unverified')
    return { ...filtered, recheck: { state: 'unverified', delayMs: 0, why: reason } }
  }

  #observe(s: RouteState, verdict: Verdict): void {
    if (verdict.outcome !== 'match' && verdict.outcome !== 'mismatch') return
    s.raw.pairs++
    for (const p of new Set(verdict.differences.map((d) => d.path))) s.raw.paths.set(p, (s.raw.paths.get(p) ?? 0) + 1)
    if (Number.isFinite(verdict.shadowMs) && verdict.shadowMs >= 0) s.lagMs = s.lagMs === undefined ? verdict.shadowMs : s.lagMs + LAG_WEIGHT * (verdict.shadowMs - s.lagMs)
  }

  #routeState(route: string): RouteState {
    let s = this.#state.get(route)
    if (!s) {
      s = { raw: { pairs: 0, paths: new Map() }, lagMs: undefined, evidence: EMPTY, evidenceAt: -Infinity }
      this.#state.set(route, s)
    }
    return s
  }

  /** The freshest readable A/A evidence; on a Redis failure the last one read is kept. */
  async #evidence(route: string, s: RouteState): Promise<NoiseEvidence> {
    const now = performance.now()
    if (now - s.evidenceAt < (this.#d.cacheMs ?? 2_000)) return s.evidence
    s.evidenceAt = now
    try {
      s.evidence = await this.#d.store.evidence(route)
    } catch (err) {
      this.#d.logger.warn({ route, err: (err as Error).message }, 'could not read A/A noise evidence; using the last one read')
    }
    return s.evidence
  }

  async #refreshIgnores(): Promise<void> {
    if (performance.now() - this.#ignoresAt < (this.#d.cacheMs ?? 2_000)) return
    this.#ignoresLoading ??= (async () => {
      try {
        const next = new Map<string, PathPattern[]>()
        for (const rule of await this.#d.store.ignores()) {
          try {
            const list = next.get(rule.route) ?? []
            list.push(parsePathPattern(rule.path))
            next.set(rule.route, list)
          } catch {
            this.#d.logger.warn({ route: rule.route, path: rule.path }, 'ignoring a runtime ignore rule that is not a valid path')
          }
        }
        this.#ignores = next
      } catch (err) {
        this.#d.logger.warn({ err: (err as Error).message }, 'could not read runtime ignore rules; using the last ones read')
      } finally {
        this.#ignoresAt = performance.now()
        this.#ignoresLoading = undefined
      }
    })()
    await this.#ignoresLoading
  }
}
