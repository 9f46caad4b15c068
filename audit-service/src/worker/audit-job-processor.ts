import { parseAuditJob, type AuditJob, type RouteAuditConfig, type ShadowgateConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'
import { auditPoint } from '../influx/audit-point.js'
import { fieldDiffPoints } from '../influx/field-diff-points.js'
import type { ConfirmedWrite, InfluxWriter } from '../influx/influx-writer.js'
import { methodTag, routeTag } from '../influx/measurements.js'
import type { PathBudget } from '../influx/path-budget.js'
import { buildMismatchSample } from '../mismatch/build-mismatch-sample.js'
import type { MismatchStore } from '../mismatch/mismatch-store.js'
import { judgeLimitsFrom, type JudgeLimits } from '../verdict/judge-limits.js'
import type { Verdict } from '../verdict/verdict.js'
import type { AuditMetrics } from './audit-metrics.js'
import type { PairTimestamps } from './pair-timestamps.js'

/** Judges one parsed pair. Rules are undefined for a route the config does not know (defaults apply). */
export type JudgeFn = (job: AuditJob, rules: RouteAuditConfig | undefined, limits: JudgeLimits) => Verdict | Promise<Verdict>

/** What a processed job returns (BullMQ stores it as the job's return value). */
export interface AuditResult {
  readonly outcome: Verdict['outcome']
  readonly reason: string
  readonly fingerprint: string | undefined
  /** Mismatch group: counted now, already counted by an earlier run of this job, or not a mismatch. */
  readonly group: 'counted' | 'duplicate' | 'none'
  readonly influx: ConfirmedWrite | 'disabled'
}

/** The parts of a BullMQ job the processor reads. */
export interface JobLike {
  readonly id?: string | undefined
  readonly data: unknown
  /** When the job was added, epoch ms. */
  readonly timestamp: number
}

export interface AuditJobProcessorDeps {
  readonly config: ShadowgateConfig
  readonly judge: JudgeFn
  readonly writer: InfluxWriter | undefined
  readonly store: MismatchStore
  readonly paths: PathBudget
  readonly times: PairTimestamps
  readonly metrics: AuditMetrics
  readonly logger: Logger
}

export function skippedVerdict(reason: string): Verdict {
  return { outcome: 'skipped', reason, differences: [], differenceCount: 0, fingerprint: undefined, primaryStatus: 0, shadowStatus: 0, primaryMs: 0, shadowMs: 0 }
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}
}

// FNV-1a: a stable 0..999999 offset from a job id.
function hash6(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  return (h >>> 0) % 1_000_000
}

/**
 * A time for the point of a job that failed validation: its own capture time when that much is
 * readable, else the enqueue time with a per-job-id offset. Both are stable, so a re-run rewrites.
 */
function invalidJobTime(data: Record<string, unknown>, job: JobLike): string {
  const ts = data['capturedAtNs']
  if (typeof ts === 'string' && /^[1-9][0-9]{9,18}$/.test(ts)) return ts
  const ms = Number.isFinite(job.timestamp) && job.timestamp > 0 ? Math.floor(job.timestamp) : 0
  return `${ms}${String(hash6(String(job.id ?? ''))).padStart(6, '0')}`
}

/**
 * Judges one queued pair and records it: one shadowgate_audit point (plus field-diff points) at the
 * pair's time, and for a mismatch its group in Redis. Every step is idempotent, so BullMQ may re-run
 * a job after a crash without counting it twice. A job that is not a valid AuditJob, or that the
 * judge chokes on, becomes a `skipped` verdict: never a crash, never a retry. Only a dependency
 * failure (Redis) fails the job, for BullMQ to retry per the job's options.
 */
export class AuditJobProcessor {
  readonly #d: AuditJobProcessorDeps
  readonly #routes: ReadonlyMap<string, RouteAuditConfig>
  readonly #limits: JudgeLimits

  constructor(deps: AuditJobProcessorDeps) {
    this.#d = deps
    this.#routes = new Map(deps.config.routes.map((r) => [r.name, r.audit]))
    this.#limits = judgeLimitsFrom(deps.config.worker)
  }

  async process(job: JobLike): Promise<AuditResult> {
    const started = performance.now()
    this.#d.metrics.active(1)
    try {
      let parsed: AuditJob
      try {
        parsed = parseAuditJob(job.data)
      } catch (err) {
        return await this.#invalid(job, err, started)
      }
      return await this.#audit(parsed, started)
    } finally {
      this.#d.metrics.active(-1)
    }
  }

  async #invalid(job: JobLike, err: unknown, started: number): Promise<AuditResult> {
    const data = obj(job.data)
    const route = routeTag(data['route'])
    const verdict = skippedVerdict('invalid_job')
    this.#d.logger.warn({ jobId: job.id, route, err: (err as Error).message }, 'invalid audit job skipped')
    const influx = await this.#write([auditPoint({ route, method: methodTag(obj(data['request'])['method']), verdict, timestampNs: invalidJobTime(data, job) })])
    this.#d.metrics.job(route, verdict.outcome, verdict.reason, (performance.now() - started) / 1000)
    return { outcome: verdict.outcome, reason: verdict.reason, fingerprint: undefined, group: 'none', influx }
  }

  async #audit(job: AuditJob, started: number): Promise<AuditResult> {
    const d = this.#d
    const route = routeTag(job.route)
    const rules = this.#routes.get(job.route)
    let verdict: Verdict
    try {
      verdict = await d.judge(job, rules, this.#limits)
    } catch (err) {
      d.logger.error({ jobId: job.id, route, err: (err as Error).message }, 'judge failed; pair skipped')
      verdict = skippedVerdict('judge_error')
    }
    const ts = await this.#stage('timestamp', () => d.times.pointTime(job.instance, job.capturedAtNs))
    const points = [auditPoint({ route, method: methodTag(job.request.method), verdict, timestampNs: ts })]
    if (verdict.differences.length > 0 && d.writer) {
      const tags = await this.#stage('paths', () => d.paths.tags(route, verdict.differences.map((x) => x.path)))
      points.push(...fieldDiffPoints(route, verdict.differences, tags, ts))
    }
    const influx = await this.#write(points)
    let group: AuditResult['group'] = 'none'
    if (verdict.outcome === 'mismatch' && verdict.fingerprint !== undefined) {
      const sample = buildMismatchSample(job, verdict, { headers: d.config.audit.redactHeaders, paths: d.config.audit.redactPaths, identityHeader: d.config.audit.identityHeader })
      const seenMs = Number(job.capturedAtNs.slice(0, -6) || '0')
      const counted = await this.#stage('mismatch_group', () => d.store.record({ route, verdict, sample, seenMs }))
      d.metrics.mismatchRecorded(counted)
      group = counted ? 'counted' : 'duplicate'
    }
    d.metrics.job(route, verdict.outcome, verdict.reason, (performance.now() - started) / 1000)
    return { outcome: verdict.outcome, reason: verdict.reason, fingerprint: verdict.fingerprint, group, influx }
  }

  // Waits until InfluxDB acknowledged the points, so a job only completes once its points are
  // stored (a crash before that re-runs it); when InfluxDB is failing this returns at the first
  // failed attempt and the points wait in the writer's bounded retry buffer.
  async #write(points: Parameters<InfluxWriter['writeConfirmed']>[0]): Promise<ConfirmedWrite | 'disabled'> {
    if (!this.#d.writer) return 'disabled'
    return await this.#d.writer.writeConfirmed(points)
  }

  async #stage<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      this.#d.metrics.jobError(stage)
      throw err
    }
  }
}
