import { parseAuditJob, withTextBodies, type AuditJob, type RouteConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { Queue, Worker, type Job } from 'bullmq'
import type { RedisClient } from '../create-redis-client.js'
import { dropErrorsAfterClose } from '../drop-errors-after-close.js'
import type { Logger } from 'pino'
import { DIFF_KINDS, OUTCOMES, type Verdict } from '../verdict/verdict.js'
import { compareRecheck, finalVerdict, type CheckResult } from './classify-recheck.js'
import type { RecheckMetrics } from './recheck-metrics.js'
import { RECHECK_HEADER, replayedPair, replayRequest } from './replay-request.js'

/** BullMQ queue of delayed re-checks (same prefix as the audit queue). */
export const RECHECK_QUEUE_NAME = 'shadowgate-recheck'

/** One stage of a suspect's re-checks, as stored in the delayed job. */
interface RecheckStage {
  readonly v: 1
  readonly stage: 1 | 2
  /** Delay after capture at which this stage runs. */
  readonly delayMs: number
  /** What stage 1 found (stage 2 only). */
  readonly first?: CheckResult
  readonly job: AuditJob
  readonly verdict: Verdict
}

export interface RecheckQueueDeps {
  readonly config: ShadowgateConfig
  readonly connection: RedisClient
  readonly prefix: string
  /** Judges a replayed pair with the route's rules and noise, as a captured pair would be. */
  readonly judge: (job: AuditJob) => Promise<Verdict>
  /** Records the final verdict of a suspect (its one point at the pair's time, its group). */
  readonly record: (job: AuditJob, verdict: Verdict) => Promise<unknown>
  readonly metrics: RecheckMetrics
  readonly logger: Logger
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The verdict as read back from Redis: checked field by field, undefined when it is not one. */
function storedVerdict(v: unknown): Verdict | undefined {
  if (!isObj(v)) return undefined
  const ok =
    OUTCOMES.some((o) => o === v['outcome']) &&
    typeof v['reason'] === 'string' &&
    typeof v['fingerprint'] === 'string' &&
    ['differenceCount', 'primaryStatus', 'shadowStatus', 'primaryMs', 'shadowMs'].every((k) => typeof v[k] === 'number' && Number.isFinite(v[k])) &&
    Array.isArray(v['differences']) &&
    v['differences'].every((d) => isObj(d) && typeof d['path'] === 'string' && typeof d['exactPath'] === 'string' && DIFF_KINDS.some((k) => k === d['kind']))
  return ok ? (v as unknown as Verdict) : undefined
}

function parseStage(data: unknown): RecheckStage {
  if (!isObj(data) || data['v'] !== 1) throw new Error('recheck job: v must be 1')
  const stage = data['stage']
  const delayMs = data['delayMs']
  if (stage !== 1 && stage !== 2) throw new Error('recheck job: stage must be 1 or 2')
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) throw new Error('recheck job: delayMs must be a non-negative number')
  const first = data['first']
  if (stage === 2 && first !== 'match' && first !== 'same' && first !== 'other') throw new Error('recheck job: first must be match, same or other')
  const verdict = storedVerdict(data['verdict'])
  if (!verdict) throw new Error('recheck job: verdict is not a mismatch verdict')
  return { v: 1, stage, delayMs, first: first as CheckResult | undefined, job: parseAuditJob(data['job']), verdict }
}

// BullMQ refuses ids with ':' and integer-looking ids; the prefix makes neither possible.
function jobId(stage: number, pairId: string): string {
  return `rc${stage}-${pairId.replaceAll(':', '_')}`
}

/**
 * Re-checks of suspect mismatches, as delayed BullMQ jobs so that they survive a worker restart and
 * spread over every worker. Stage 1 runs `delay` after the suspect was judged, stage 2
 * `secondDelay` later. Each stage sends the captured request again to the route's primary and
 * shadow (from the config) and judges the two answers; the suspect's one point is written only
 * when the stages are done, at the pair's own time, so counts stay exact when a job runs twice.
 */
export class RecheckQueue {
  readonly #d: RecheckQueueDeps
  #queue: Queue | undefined
  readonly #routes: ReadonlyMap<string, RouteConfig>
  #worker: Worker | undefined
  #closing: Promise<void> | undefined

  constructor(deps: RecheckQueueDeps) {
    this.#d = deps
    this.#routes = new Map(deps.config.routes.map((r) => [r.name, r]))
  }

  /** Made on first use: a queue on a connection that never came up would hold close() forever. */
  #queueOf(): Queue {
    if (!this.#queue) {
      const queue = new Queue(RECHECK_QUEUE_NAME, { connection: this.#d.connection, prefix: this.#d.prefix, skipMetasUpdate: true })
      dropErrorsAfterClose(queue)
      queue.on('error', (err) => this.#d.logger.warn({ err: err.message }, 'recheck queue error'))
      this.#queue = queue
    }
    return this.#queue
  }

  start(): void {
    if (this.#worker || this.#closing) return
    // No route re-checks: no worker polling a queue nothing writes to.
    if (!this.#d.config.routes.some((r) => r.recheck.enabled)) return
    this.#worker = new Worker(RECHECK_QUEUE_NAME, (job: Job) => this.run(job.data), {
      connection: this.#d.connection,
      prefix: this.#d.prefix,
      concurrency: this.#d.config.worker.concurrency,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: this.#d.config.worker.keepFailedJobs },
    })
    dropErrorsAfterClose(this.#worker)
    this.#worker.on('error', (err) => this.#d.logger.error({ err: err.message }, 'recheck worker error'))
    this.#worker.on('failed', (job, err) => this.#d.logger.error({ jobId: job?.id, err: err.message }, 'recheck job failed'))
  }

  /** Schedules stage 1 of a suspect's re-checks `delayMs` from now. A second call for the same pair is a no-op. */
  async schedule(job: AuditJob, verdict: Verdict, delayMs: number): Promise<void> {
    await this.#add({ v: 1, stage: 1, delayMs, job, verdict }, delayMs)
    this.#d.metrics.recheck(job.route, 'scheduled')
  }

  /** Runs one stage (the BullMQ processor; public for embedding). An unreadable job fails without a retry. */
  async run(data: unknown): Promise<CheckResult | 'final'> {
    let s: RecheckStage
    try {
      s = parseStage(data)
    } catch (err) {
      this.#d.logger.warn({ err: (err as Error).message }, 'invalid recheck job dropped')
      this.#d.metrics.recheck('(invalid)', 'invalid_job')
      throw err
    }
    const route = this.#routes.get(s.job.route)
    if (!route?.shadow) {
      await this.#finish(s, { state: 'unverified', delayMs: 0, why: 'route' })
      return 'final'
    }
    const result = await this.#check(s.job, s.verdict, route)
    if (result === 'match') {
      await this.#finish(s, { state: 'resolved', delayMs: s.delayMs })
      return 'final'
    }
    if (s.stage === 1) {
      await this.#add({ ...s, stage: 2, first: result, delayMs: s.delayMs + route.recheck.secondDelayMs }, route.recheck.secondDelayMs)
      return result
    }
    const persistent = s.first === 'same' && result === 'same'
    await this.#finish(s, persistent ? { state: 'persistent', delayMs: s.delayMs } : { state: 'indeterminate', delayMs: s.delayMs, why: 'differs_otherwise' })
    return 'final'
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#worker?.close()
      await this.#queue?.close()
    })()
    return this.#closing
  }

  async #check(job: AuditJob, verdict: Verdict, route: RouteConfig): Promise<CheckResult> {
    const cfg = this.#d.config
    const opts = { timeoutMs: cfg.mirror.timeoutMs, maxBodyBytes: Math.min(cfg.audit.maxBodyBytes, cfg.mirror.maxResponseBytes), headers: route.recheck.headers, purposeHeader: RECHECK_HEADER }
    const [primary, shadow] = await Promise.all([replayRequest(route.primary, job.request, opts), replayRequest(route.shadow ?? '', job.request, opts)])
    return compareRecheck(verdict, await this.#d.judge(replayedPair(job, primary, shadow)))
  }

  async #finish(s: RecheckStage, info: Parameters<typeof finalVerdict>[1]): Promise<void> {
    await this.#d.record(s.job, finalVerdict(s.verdict, info))
    this.#d.metrics.recheck(s.job.route, info.state)
  }

  async #add(stage: RecheckStage, delayMs: number): Promise<void> {
    // The pair travels as JSON here: bodies in byte form (from a binary batch) go as base64.
    await this.#queueOf().add('recheck', { ...stage, job: withTextBodies(stage.job) }, { jobId: jobId(stage.stage, stage.job.id), delay: Math.max(0, Math.round(delayMs)), removeOnComplete: true, removeOnFail: { count: this.#d.config.worker.keepFailedJobs } })
  }
}
