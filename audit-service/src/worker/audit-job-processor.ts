import { AUDIT_BATCH_VERSION, JobSchemaError, JobVersionError, auditBatchClaimedPairs, auditBatchPairs, isAuditBatch, parseAuditJob, parseBatchPair, type AuditJob, type RouteAuditConfig, type ShadowgateConfig } from '@shadowgate/shared'
import type { Logger } from 'pino'
import { auditPoint } from '../influx/audit-point.js'
import { fieldDiffPoints } from '../influx/field-diff-points.js'
import { methodTag, routeTag, type ConfirmedWrite, type InfluxWriter } from '@shadowgate/influx'
import type { PathBudget } from '../influx/path-budget.js'
import { InfluxWriteError } from '../errors.js'
import { buildMismatchSample } from '../mismatch/build-mismatch-sample.js'
import type { MismatchSample } from '../mismatch/mismatch-group.js'
import type { MismatchStore } from '../mismatch/mismatch-store.js'
import { judgeLimitsFrom, type JudgeLimits } from '../verdict/judge-limits.js'
import type { Verdict } from '../verdict/verdict.js'
import type { AuditMetrics } from './audit-metrics.js'
import type { PairTimestamps } from './pair-timestamps.js'
import { isUnparsableJobData } from './audit-worker.js'
import { RulesDrift } from './rules-drift.js'

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
  /** Set when the pair was handed to a re-check, which records its point later. */
  readonly recheck?: 'scheduled'
}

/** Looks at a judged pair before it counts (noise, re-checks); see PairReviewer. */
export interface VerdictReviewer {
  rulesFor(route: string): Promise<RouteAuditConfig | undefined>
  review(job: AuditJob, verdict: Verdict): Promise<Verdict | 'deferred'>
}

/** What a processed batch job returns: one result per pair, in batch order. */
export interface AuditBatchResult {
  readonly pairs: readonly AuditResult[]
}

/** Where the bytes of binary batches (AUDIT_BATCH_VERSION 2) are read, by job id. */
export interface BatchBytes {
  /** The batch's bytes, or null when Redis has none under its key. Rejects on a Redis error. */
  read(jobId: string): Promise<Buffer | null>
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
  /** Compares the rules fingerprint of each pair with this worker's; default one built from config.routes. */
  readonly drift?: RulesDrift
  readonly reviewer?: VerdictReviewer
  /** Counts each recorded verdict into the gate's per-window figures (routes with a gate only). */
  readonly gateFigures?: { add(route: string, outcome: Verdict['outcome'], capturedMs: number): void } | undefined
  /** Where binary batches' bytes are read; without it every such batch counts as `batch_missing`. */
  readonly batches?: BatchBytes
}

export function skippedVerdict(reason: string): Verdict {
  return { outcome: 'skipped', reason, differences: [], differenceCount: 0, fingerprint: undefined, primaryStatus: 0, shadowStatus: 0, primaryMs: 0, shadowMs: 0 }
}

/** The skip reason of a job or pair that failed validation with `err`. */
function invalidReason(err: unknown): 'invalid_job' | 'unsupported_version' {
  return err instanceof JobVersionError ? 'unsupported_version' : 'invalid_job'
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
 * readable, else the enqueue time with a per-job-id offset plus the pair's index in its batch (so
 * the pairs of one batch never share a time: a batch holds far fewer than a million pairs). Both
 * are stable, so a re-run rewrites.
 */
function invalidJobTime(data: Record<string, unknown>, job: JobLike, index: number): string {
  const ts = data['capturedAtNs']
  if (typeof ts === 'string' && /^[1-9][0-9]{9,18}$/.test(ts)) return ts
  const ms = Number.isFinite(job.timestamp) && job.timestamp > 0 ? Math.floor(job.timestamp) : 0
  return `${ms}${String((hash6(String(job.id ?? '')) + index) % 1_000_000).padStart(6, '0')}`
}

/**
 * A judged pair whose points are not written yet. It keeps the redacted sample of a mismatch, not
 * the job: a batch holds up to a hundred of these while its points are written, and the bodies of
 * matching pairs (most of them) need not stay in memory that long.
 */
interface Judged {
  readonly route: string
  /** Epoch ms of the pair's capture. */
  readonly seenMs: number
  readonly sample: MismatchSample | undefined
  readonly verdict: Verdict
  readonly points: Parameters<InfluxWriter['writeConfirmed']>[0]
  readonly started: number
  readonly deferred?: boolean
}

// Lets timers (BullMQ's lock renewal among them) run between two pairs of a batch, so a batch
// blocks the event loop no longer than its slowest single diff.
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Judges one queued pair and records it: one shadowgate_audit point (plus field-diff points) at the
 * pair's time, and for a mismatch its group in Redis. Every step is idempotent, so BullMQ may re-run
 * a job after a crash without counting it twice. A job that is not a valid AuditJob, or that the
 * judge chokes on, becomes a `skipped` verdict: never a crash, never a retry. Only a dependency
 * failure fails the job: InfluxWriteError when InfluxDB did not acknowledge its points (the worker
 * keeps the job for a later attempt), a Redis error otherwise (BullMQ retries per the job's options).
 */
export class AuditJobProcessor {
  readonly #d: AuditJobProcessorDeps
  readonly #routes: ReadonlyMap<string, RouteAuditConfig>
  readonly #limits: JudgeLimits
  readonly #drift: RulesDrift

  constructor(deps: AuditJobProcessorDeps) {
    this.#d = deps
    this.#routes = new Map(deps.config.routes.map((r) => [r.name, r.audit]))
    this.#limits = judgeLimitsFrom(deps.config.worker)
    this.#drift = deps.drift ?? new RulesDrift(deps.config.routes, deps.logger, (route) => deps.metrics.rulesDrift(route))
  }

  /** A queue job of either shape: a batch envelope (`kind: 'batch'`) or one AuditJob. */
  async processAny(job: JobLike): Promise<AuditResult | AuditBatchResult> {
    return isAuditBatch(job.data) ? await this.processBatch(job) : await this.process(job)
  }

  async process(job: JobLike): Promise<AuditResult> {
    const started = performance.now()
    this.#d.metrics.active(1)
    try {
      let parsed: AuditJob
      try {
        if (isUnparsableJobData(job.data)) throw new JobSchemaError(job.data.error)
        parsed = parseAuditJob(job.data)
      } catch (err) {
        return await this.#invalid(job, job.data, 0, err, started)
      }
      return await this.#record(await this.#judge(parsed, started))
    } finally {
      this.#d.metrics.active(-1)
    }
  }

  /**
   * A batch of pairs: every pair is judged in turn (a pair that fails validation becomes its own
   * skipped/invalid_job point, the others are judged), all points go to InfluxDB in one confirmed
   * write, then mismatch groups are recorded per pair (idempotent by pair id). An envelope that
   * cannot be read at all gives one skipped/invalid_job point, as an invalid single job does.
   */
  async processBatch(job: JobLike): Promise<AuditBatchResult> {
    const started = performance.now()
    this.#d.metrics.active(1)
    try {
      const bytes = await this.#bytesOf(job)
      let pairs: readonly unknown[]
      try {
        pairs = auditBatchPairs(job.data, bytes)
      } catch (err) {
        return { pairs: await this.#unreadable(job, err, bytes === null, started) }
      }
      const judged: Array<Judged | AuditResult> = []
      for (let i = 0; i < pairs.length; i++) {
        if (i > 0) await yieldToLoop()
        const pairStarted = performance.now()
        let parsed: AuditJob
        try {
          parsed = parseBatchPair(pairs[i], i)
        } catch (err) {
          judged.push(await this.#invalid(job, pairs[i], i, err, pairStarted))
          continue
        }
        judged.push(await this.#judge(parsed, pairStarted))
      }
      const valid = judged.filter((j): j is Judged => 'points' in j)
      const influx = await this.#write(valid.flatMap((j) => j.points))
      const results: AuditResult[] = []
      for (const j of judged) results.push('points' in j ? await this.#recordGroup(j, influx) : j)
      return { pairs: results }
    } finally {
      this.#d.metrics.active(-1)
    }
  }

  /** A binary batch's bytes (null when gone); undefined for any other envelope. Rejects on a Redis error (the job is retried). */
  async #bytesOf(job: JobLike): Promise<Buffer | null | undefined> {
    if (obj(job.data)['v'] !== AUDIT_BATCH_VERSION) return undefined
    const batches = this.#d.batches
    const id = job.id
    if (batches === undefined || id === undefined) return null
    return await this.#stage('batch_bytes', () => batches.read(id))
  }

  /**
   * A batch whose pairs cannot be read. When its envelope says how many pairs of which route it
   * carries (a binary batch), each of them gets its own skipped point under its route, so every
   * enqueued pair is counted once: `batch_missing` when the bytes were gone, else `invalid_job` or
   * `unsupported_version`. Otherwise the batch gives one such point, as an invalid single job does.
   */
  async #unreadable(job: JobLike, err: unknown, missing: boolean, started: number): Promise<AuditResult[]> {
    const claimed = auditBatchClaimedPairs(job.data)
    if (claimed === undefined) return [await this.#invalid(job, job.data, 0, err, started)]
    const verdict = skippedVerdict(missing ? 'batch_missing' : invalidReason(err))
    const count = claimed.reduce((n, [, c]) => n + c, 0)
    this.#d.logger.warn({ jobId: job.id, pairs: count, reason: verdict.reason, err: (err as Error).message }, 'audit batch could not be read; its pairs are counted as skipped')
    const routes: string[] = []
    for (const [route, n] of claimed) for (let k = 0; k < n; k++) routes.push(routeTag(route))
    const influx = await this.#write(routes.map((route, i) => auditPoint({ route, method: methodTag(undefined), verdict, timestampNs: invalidJobTime({}, job, i) })))
    const seconds = (performance.now() - started) / 1000
    for (const route of routes) this.#d.metrics.job(route, verdict.outcome, verdict.reason, seconds)
    return routes.map(() => ({ outcome: verdict.outcome, reason: verdict.reason, fingerprint: undefined, group: 'none', influx }))
  }

  /** `index`: the pair's place in its batch (0 for a single job or an unreadable envelope). */
  async #invalid(job: JobLike, raw: unknown, index: number, err: unknown, started: number): Promise<AuditResult> {
    const data = obj(raw)
    const route = routeTag(data['route'])
    const verdict = skippedVerdict(invalidReason(err))
    this.#d.logger.warn({ jobId: job.id, pairId: typeof data['id'] === 'string' ? data['id'] : undefined, route, err: (err as Error).message }, 'invalid audit job skipped')
    const influx = await this.#write([auditPoint({ route, method: methodTag(obj(data['request'])['method']), verdict, timestampNs: invalidJobTime(data, job, index) })])
    this.#d.metrics.job(route, verdict.outcome, verdict.reason, (performance.now() - started) / 1000)
    return { outcome: verdict.outcome, reason: verdict.reason, fingerprint: undefined, group: 'none', influx }
  }

  async #record(judged: Judged): Promise<AuditResult> {
    return await this.#recordGroup(judged, await this.#write(judged.points))
  }

  /** Judges a pair with the route's rules (runtime ignore rules included); never throws. */
  async judgeOnly(job: AuditJob): Promise<Verdict> {
    const rules = this.#d.reviewer ? await this.#d.reviewer.rulesFor(job.route) : this.#routes.get(job.route)
    try {
      return await this.#d.judge(job, rules, this.#limits)
    } catch (err) {
      this.#d.logger.error({ jobId: job.id, route: routeTag(job.route), err: (err as Error).message }, 'judge failed; pair skipped')
      return skippedVerdict('judge_error')
    }
  }

  /** Records a verdict decided later (a re-checked suspect): its point at the pair's time and its group. */
  async recordVerdict(job: AuditJob, verdict: Verdict): Promise<AuditResult> {
    return await this.#record(await this.#judged(job, verdict, performance.now()))
  }

  async #judge(job: AuditJob, started: number): Promise<Judged> {
    this.#drift.check(routeTag(job.route), job.rulesFingerprint)
    const verdict = await this.judgeOnly(job)
    const reviewer = this.#d.reviewer
    const reviewed = reviewer ? await this.#stage('review', () => reviewer.review(job, verdict)) : verdict
    if (reviewed === 'deferred') {
      return { route: routeTag(job.route), seenMs: 0, sample: undefined, verdict, points: [], started, deferred: true }
    }
    return await this.#judged(job, reviewed, started)
  }

  async #judged(job: AuditJob, verdict: Verdict, started: number): Promise<Judged> {
    const d = this.#d
    const route = routeTag(job.route)
    const ts = await this.#stage('timestamp', () => d.times.pointTime(job.instance, job.capturedAtNs))
    const points = [auditPoint({ route, method: methodTag(job.request.method), verdict, timestampNs: ts, served: job.served })]
    if (verdict.differences.length > 0 && d.writer) {
      const tags = await this.#stage('paths', () => d.paths.tags(route, verdict.differences.map((x) => x.path)))
      points.push(...fieldDiffPoints(route, verdict.differences, tags, ts))
    }
    const sample =
      verdict.outcome === 'mismatch' && verdict.fingerprint !== undefined
        ? buildMismatchSample(job, verdict, {
            headers: d.config.audit.redactHeaders,
            paths: d.config.audit.redactPaths,
            query: d.config.audit.redactQuery,
            identityHeader: d.config.audit.identityHeader,
          })
        : undefined
    return { route, seenMs: Number(job.capturedAtNs.slice(0, -6) || '0'), sample, verdict, points, started }
  }

  async #recordGroup({ route, seenMs, sample, verdict, started, deferred }: Judged, influx: ConfirmedWrite | 'disabled'): Promise<AuditResult> {
    const d = this.#d
    if (deferred) return { outcome: verdict.outcome, reason: verdict.reason, fingerprint: verdict.fingerprint, group: 'none', influx, recheck: 'scheduled' }
    let group: AuditResult['group'] = 'none'
    if (sample !== undefined) {
      const counted = await this.#stage('mismatch_group', () => d.store.record({ route, verdict, sample, seenMs, rules: this.#drift.rulesOf(route) }))
      d.metrics.mismatchRecorded(counted)
      group = counted ? 'counted' : 'duplicate'
    }
    d.metrics.job(route, verdict.outcome, verdict.reason, (performance.now() - started) / 1000)
    d.gateFigures?.add(route, verdict.outcome, seenMs)
    return { outcome: verdict.outcome, reason: verdict.reason, fingerprint: verdict.fingerprint, group, influx }
  }

  // Waits until InfluxDB acknowledged the points, so a job only completes once its points are
  // stored (a crash before that re-runs it). A failed write throws InfluxWriteError before anything
  // else of the job is recorded: the job then waits in the queue for a later attempt, which
  // rewrites the same points (same tags, same times), so they are stored exactly once.
  async #write(points: Parameters<InfluxWriter['writeConfirmed']>[0]): Promise<ConfirmedWrite | 'disabled'> {
    if (!this.#d.writer) return 'disabled'
    const result = await this.#d.writer.writeConfirmed(points)
    if (result === 'failed') {
      this.#d.metrics.jobError('influx')
      throw new InfluxWriteError(`InfluxDB did not acknowledge ${points.length} points`)
    }
    return result
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
