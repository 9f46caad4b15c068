import type { AuditJob, RouteConfig, ShadowgateConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'
import type { RecheckBudget } from '../recheck/recheck-budget.js'
import type { RecheckMetrics } from '../recheck/recheck-metrics.js'
import { NOISE_HEADER, replayedPair, replayRequest, unreplayableReason } from '../recheck/replay-request.js'
import type { Verdict } from '../verdict/verdict.js'
import type { NoiseStore } from './noise-store.js'
import { classifyValues, type ValueClass } from './value-class.js'

export interface NoiseSamplerDeps {
  readonly config: ShadowgateConfig
  readonly store: NoiseStore
  readonly budget: RecheckBudget
  /** Judges a pair with the route's rules (no noise filter: this is where noise is measured). */
  readonly judge: (job: AuditJob) => Promise<Verdict>
  readonly metrics: RecheckMetrics
  readonly logger: Logger
  /** Most A/A samples in flight in this process; more are not started. */
  readonly maxInFlight?: number
}

/** A stable number in [0, 1) from a pair id (FNV-1a), so a pair's sampling does not depend on which worker judges it. */
export function sampleFraction(id: string): number {
  let h = 2166136261
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  return (h >>> 0) / 4294967296
}

/** The distinct body paths that differ in a verdict, each with the class of its values. */
export function differingPaths(verdict: Verdict): Map<string, ValueClass> {
  const out = new Map<string, ValueClass>()
  for (const d of verdict.differences) if (d.path.startsWith('$') && !out.has(d.path)) out.set(d.path, classifyValues(d.primary, d.shadow))
  return out
}

/**
 * A/A noise sampling: for a sampled share of audited safe requests (`noise.sample`, at most
 * `noise.maxRate` per second per route), the worker sends the request to the shadow twice at once
 * and judges the two answers with the route's rules. Every path that differs between two answers
 * of the same version is noise evidence for the route, kept in Redis for every worker.
 */
export class NoiseSampler {
  readonly #d: NoiseSamplerDeps
  readonly #inFlight = new Set<Promise<void>>()
  #closed = false

  constructor(deps: NoiseSamplerDeps) {
    this.#d = deps
  }

  /** Starts an A/A sample for this pair when it is sampled; never waits for it, never throws. */
  maybeSample(job: AuditJob, route: RouteConfig | undefined): void {
    if (this.#closed || !route?.shadow || route.noise.sample <= 0) return
    if (sampleFraction(`aa:${job.id}`) >= route.noise.sample) return
    if (unreplayableReason(job.request) !== undefined) return
    if (this.#inFlight.size >= (this.#d.maxInFlight ?? 64)) return
    if (!this.#d.budget.take(`aa:${route.name}`, { maxShare: undefined, maxRate: route.noise.maxRate })) return
    const p = this.#sample(job, route, route.shadow).finally(() => this.#inFlight.delete(p))
    this.#inFlight.add(p)
  }

  /** Waits for the samples in flight (each is bounded by the mirror timeout). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all([...this.#inFlight])
  }

  async #sample(job: AuditJob, route: RouteConfig, shadow: string): Promise<void> {
    const cfg = this.#d.config
    const opts = { timeoutMs: cfg.mirror.timeoutMs, maxBodyBytes: Math.min(cfg.audit.maxBodyBytes, cfg.mirror.maxResponseBytes), headers: route.recheck.headers, purposeHeader: NOISE_HEADER }
    try {
      const [a, b] = await Promise.all([replayRequest(shadow, job.request, opts), replayRequest(shadow, job.request, opts)])
      const verdict = await this.#d.judge(replayedPair(job, a, b))
      if (verdict.outcome !== 'match' && verdict.outcome !== 'mismatch') {
        this.#d.metrics.noise(route.name, 'unusable')
        return
      }
      await this.#d.store.record(route.name, differingPaths(verdict))
      this.#d.metrics.noise(route.name, 'recorded')
    } catch (err) {
      this.#d.metrics.noise(route.name, 'failed')
      this.#d.logger.warn({ route: route.name, err: (err as Error).message }, 'A/A noise sample not recorded')
    }
  }
}
