import { AUDIT_BATCH_VERSION, AUDIT_QUEUE_NAME, ConfigError, auditBatchKey, redisTarget, type ShadowgateConfig } from '@shadowgate/shared'
import { DelayedError, type Job } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import { ConnectionFailedError, InfluxWriteError } from '../errors.js'
import { AuditGate, type AuditGateOptions } from '../gate/audit-gate.js'
import { buildAuditHttpApp } from '../http/build-audit-http-app.js'
import { INFLUX_SCHEMA_VERSION, InfluxWriter, type InfluxWriterOptions, type InfluxWriterStats } from '@shadowgate/influx'
import { PathBudget } from '../influx/path-budget.js'
import { MismatchStore } from '../mismatch/mismatch-store.js'
import { judgePair } from '../verdict/judge-pair.js'
import { AuditJobProcessor, type AuditBatchResult, type AuditResult, type JudgeFn } from './audit-job-processor.js'
import { AuditMetrics } from './audit-metrics.js'
import { PairTimestamps } from './pair-timestamps.js'
import { AuditWorker } from './audit-worker.js'
import { RulesDrift } from './rules-drift.js'
import type { Verdict } from '../verdict/verdict.js'
import { NoiseSampler } from '../noise/noise-sampler.js'
import { NoiseStore } from '../noise/noise-store.js'
import { PairReviewer } from '../recheck/pair-reviewer.js'
import { RecheckBudget } from '../recheck/recheck-budget.js'
import { RecheckMetrics } from '../recheck/recheck-metrics.js'
import { RecheckQueue } from '../recheck/recheck-queue.js'
import { WriteReplayer, type WriteReplayerOptions } from '../replay/write-replayer.js'

export interface AuditServiceOptions {
  readonly logger: Logger
  /** Redis connection for commands (BullMQ duplicates it for its blocking reads). Injected connections are never closed. */
  readonly connection?: RedisClient
  /** Replaces the judge (default judgePair). */
  readonly judge?: JudgeFn
  /** Registry for the worker metrics; default a new one. */
  readonly registry?: Registry
  /**
   * BullMQ lock duration; default max(30 s, 10 × worker.diffTimeout), far above one diff's time budget.
   * A batch job yields to the event loop between its pairs, so the lock (renewed by BullMQ every half
   * lockDuration) only has to outlast one diff, not a whole batch.
   */
  readonly lockDurationMs?: number
  /** BullMQ stalled-job check interval; default BullMQ's 30 s. */
  readonly stalledIntervalMs?: number
  /** Times a job may stall (worker died holding it) before BullMQ fails it; default 1. */
  readonly maxStalledCount?: number
  /** InfluxDB writer tuning (transport, timeouts, retry delays). */
  readonly influx?: Omit<InfluxWriterOptions, 'logger'>
  /**
   * Delay before a job whose points InfluxDB did not acknowledge is tried again: doubling from
   * `min` per attempt up to `max`; default 1 s to 30 s.
   */
  readonly influxRetryDelayMs?: { readonly min: number; readonly max: number }
  /** How long A/A evidence and runtime ignore rules read from Redis are reused; default 2 s. */
  readonly noiseCacheMs?: number
  /** Gate knobs (clock, lease ttl, round length, cut-over hook); the gate runs when any route has one. */
  readonly gate?: AuditGateOptions
  /** Replayer knobs (poll, lease, backoff); it runs when worker.replay is on and a route has a writes block. */
  readonly replay?: Omit<WriteReplayerOptions, 'logger' | 'points'>
}

const DEFAULT_INFLUX_RETRY_DELAY_MS = { min: 1_000, max: 30_000 }

/** Delay before the next attempt of a job that has been started `attempts` times. */
export function influxRetryDelayMs(attempts: number, bounds: { readonly min: number; readonly max: number }): number {
  return Math.min(bounds.max, bounds.min * 2 ** Math.min(Math.max(attempts - 1, 0), 20))
}

export interface AuditService {
  /** The HTTP API (/mismatches, /healthz, /metrics); never listening unless the caller listens. */
  readonly http: FastifyInstance
  readonly metrics: AuditMetrics
  readonly store: MismatchStore
  /** Pairs captured under other audit rules than this worker's (also in /healthz). */
  readonly drift: RulesDrift
  /** Re-check and A/A counters (also on /metrics). */
  readonly rechecks: RecheckMetrics
  readonly noise: NoiseStore
  /** The gate, when any route has one. */
  readonly gate: AuditGate | undefined
  /** The write replayer, when worker.replay is on and any route has a writes block. */
  readonly replayer: WriteReplayer | undefined
  /** Starts fetching and auditing jobs. Idempotent. */
  start(): Promise<void>
  /**
   * Stops fetching, lets active jobs finish within worker.shutdownTimeout (then abandons them to
   * BullMQ's stalled-job recovery), flushes InfluxDB, closes the HTTP app and own connections. Idempotent.
   */
  close(): Promise<void>
  influxStats(): InfluxWriterStats | undefined
}

/** Default lock: comfortably above the judge's per-diff time budget, the longest time one job blocks the event loop. */
export function defaultLockDurationMs(diffTimeoutMs: number): number {
  return Math.max(30_000, diffTimeoutMs * 10)
}

/**
 * Builds the audit worker service: a BullMQ worker on AUDIT_QUEUE_NAME (same prefix as the
 * producer, config redis.prefix), the InfluxDB writer when influx is configured, mismatch groups
 * in Redis and the HTTP API. Reads no environment, listens on nothing: the CLI entry does both.
 */
export function createAuditService(config: ShadowgateConfig, options: AuditServiceOptions): AuditService {
  if (!config.redis) throw new ConfigError('redis', 'is required to run the audit worker (redis.url, redis.cluster or redis.sentinels)')
  const redisCfg = config.redis
  const logger = options.logger
  const ownRedis = options.connection === undefined
  const redis = options.connection ?? createRedisClient(redisCfg, { maxRetriesPerRequest: null, lazyConnect: true })
  // connect() rejects with a bare "Connection is closed."; the last error event says why (ECONNREFUSED, auth).
  let lastRedisError: Error | undefined
  redis.on('error', (err: Error) => {
    lastRedisError = err
    logger.warn({ err: err.message }, 'redis connection error')
  })
  const metrics = new AuditMetrics(options.registry ? { registry: options.registry } : {})
  const writer = config.influx ? new InfluxWriter(config.influx, { ...options.influx, logger }) : undefined
  metrics.observeInflux(() => writer?.stats())
  const store = new MismatchStore(redis, redisCfg.prefix, config.worker)
  const gate = AuditGate.wanted(config) ? new AuditGate(config, { redis: redisCfg, prefix: redisCfg.prefix, logger, registry: metrics.registry, writer }, options.gate) : undefined
  // Like the audit queue, the write log is drained by every worker: partition leases keep one owner each.
  const replayer = config.worker.replay && config.routes.some((r) => r.writes) ? new WriteReplayer(config, { ...options.replay, logger, ...(writer ? { points: writer } : {}) }) : undefined
  const drift = new RulesDrift(config.routes, logger, (route) => metrics.rulesDrift(route))
  const rechecks = new RecheckMetrics(metrics.registry)
  const noise = new NoiseStore(redis, redisCfg.prefix)
  const budget = new RecheckBudget()
  // The processor is built below; the re-check queue and the sampler call it only once jobs run.
  const judgeReplay = async (job: Parameters<AuditJobProcessor['judgeOnly']>[0]): ReturnType<AuditJobProcessor['judgeOnly']> => await processor.judgeOnly(job)
  const recheck: RecheckQueue = new RecheckQueue({
    config,
    connection: redis,
    prefix: redisCfg.prefix,
    judge: async (job): Promise<Verdict> => await reviewer.filter(job.route, await judgeReplay(job)),
    record: (job, verdict) => processor.recordVerdict(job, verdict),
    metrics: rechecks,
    logger,
  })
  const sampler = new NoiseSampler({ config, store: noise, budget, judge: judgeReplay, metrics: rechecks, logger })
  const reviewer: PairReviewer = new PairReviewer({ config, store: noise, sampler, budget, recheck, metrics: rechecks, logger, ...(options.noiseCacheMs !== undefined ? { cacheMs: options.noiseCacheMs } : {}) })
  const processor: AuditJobProcessor = new AuditJobProcessor({
    drift,
    config,
    judge: options.judge ?? judgePair,
    writer,
    store,
    paths: new PathBudget(redis, redisCfg.prefix, config.worker.maxPathsPerRoute),
    times: new PairTimestamps(redis, redisCfg.prefix),
    metrics,
    logger,
    reviewer,
    gateFigures: gate?.figures,
    batches: { read: (jobId) => redis.getBuffer(auditBatchKey(redisCfg.prefix, jobId)) },
  })
  let worker: AuditWorker<AuditResult | AuditBatchResult> | undefined
  let running = false
  let influxFailing = false
  const retryBounds = options.influxRetryDelayMs ?? DEFAULT_INFLUX_RETRY_DELAY_MS

  // A job whose points InfluxDB did not take goes back to the queue as delayed: it survives this
  // process, keeps its attempts, and counts toward the queue depth the gateway bounds.
  const processJob = async (job: Job<unknown, AuditResult | AuditBatchResult>, token: string | undefined): Promise<AuditResult | AuditBatchResult> => {
    try {
      const result = await processor.processAny({ id: job.id, data: job.data, timestamp: job.timestamp })
      if (influxFailing) logger.info('InfluxDB acknowledges audit points again')
      influxFailing = false
      return result
    } catch (err) {
      if (!(err instanceof InfluxWriteError) || token === undefined) throw err
      const delay = influxRetryDelayMs(job.attemptsStarted, retryBounds)
      if (Date.now() + delay - job.timestamp > config.worker.influxMaxWaitMs) {
        // Bounded: a job does not wait for InfluxDB without end. It is failed (kept among failed jobs) and counted.
        metrics.jobError('influx_max_wait')
        logger.error({ jobId: job.id, maxWaitMs: config.worker.influxMaxWaitMs }, 'audit job failed: InfluxDB did not acknowledge its points within worker.influxMaxWait')
        throw err
      }
      if (!influxFailing) logger.warn({ jobId: job.id, err: err.message, retryInMs: delay }, 'InfluxDB did not acknowledge audit points: jobs wait in the queue (delayed) until it does')
      influxFailing = true
      await job.moveToDelayed(Date.now() + delay, token)
      throw new DelayedError()
    }
  }
  let closing: Promise<void> | undefined
  const http = buildAuditHttpApp({
    listMismatches: (o) => store.list({ ...o, currentRules: (route) => drift.rulesOf(route) }),
    registry: metrics.registry,
    healthy: () => running,
    status: () => ({ influxSchema: INFLUX_SCHEMA_VERSION, ...drift.status() }),
    token: config.worker.http.token,
    access: { boundHost: config.worker.http.host, allowedHosts: config.worker.http.allowedHosts, allowedOrigins: config.worker.http.allowedOrigins, configKey: 'worker.http' },
    logger,
  })

  const start = async (): Promise<void> => {
    if (worker || closing) return
    if (!writer) logger.warn('influx is not configured: verdicts are not written to InfluxDB')
    if (ownRedis && redis.status === 'wait') {
      try {
        await redis.connect()
      } catch (err) {
        throw ConnectionFailedError.reaching(redisTarget(redisCfg), lastRedisError ?? err)
      }
    }
    worker = new AuditWorker<AuditResult | AuditBatchResult>(AUDIT_QUEUE_NAME, processJob, {
      connection: redis,
      prefix: redisCfg.prefix,
      concurrency: config.worker.concurrency,
      lockDuration: options.lockDurationMs ?? defaultLockDurationMs(config.worker.diffTimeoutMs),
      ...(options.stalledIntervalMs !== undefined ? { stalledInterval: options.stalledIntervalMs } : {}),
      maxStalledCount: options.maxStalledCount ?? 1,
      // Jobs carry whole bodies: a completed one has nothing left to give, a failed one is kept for inspection.
      removeOnComplete: { count: 0 },
      removeOnFail: { count: config.worker.keepFailedJobs },
    })
    worker.on('error', (err) => logger.error({ err: err.message }, 'audit worker error'))
    worker.on('failed', (job, err) => logger.error({ jobId: job?.id, err: err.message }, 'audit job failed'))
    // A binary batch's bytes go once its job is completed, not inside the processor: a worker that
    // died between the two would re-run the job without its bytes and count its pairs twice. What a
    // failed job leaves expires with the bytes' ttl.
    worker.on('completed', (job) => {
      const data: unknown = job.data
      if (job.id === undefined || typeof data !== 'object' || data === null || (data as Record<string, unknown>)['v'] !== AUDIT_BATCH_VERSION) return
      redis.del(auditBatchKey(redisCfg.prefix, job.id)).catch((err: unknown) => logger.debug({ jobId: job.id, err: (err as Error).message }, 'could not delete the bytes of a completed audit batch; they expire'))
    })
    recheck.start()
    await gate?.start()
    replayer?.start()
    running = true
    logger.info({ queue: AUDIT_QUEUE_NAME, prefix: redisCfg.prefix, concurrency: config.worker.concurrency, influx: config.influx ? `v${config.influx.version}` : 'off' }, 'audit worker started')
  }

  const shutdown = async (): Promise<void> => {
    running = false
    if (worker) {
      const w = worker
      let timer: NodeJS.Timeout | undefined
      const graceful = w.close().then(() => true)
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), config.worker.shutdownTimeoutMs)
      })
      const finished = await Promise.race([graceful, deadline])
      clearTimeout(timer)
      if (!finished) {
        logger.warn({ timeoutMs: config.worker.shutdownTimeoutMs }, 'active jobs did not finish in time; leaving them to stalled-job recovery')
        // A forced close returns the close already under way, which waits for a QUIT on the worker's
        // own blocking connection that Redis, while away, never answers: that connection is cut.
        cutBlockingConnection(w)
        await Promise.race([w.close(true).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, QUIT_WAIT_MS).unref())])
      }
    }
    // Before the writer closes: its last lag report and audit points go through it.
    await replayer?.close()
    await recheck.close()
    await sampler.close()
    await gate?.close()
    if (writer) await writer.close()
    await http.close()
    if (ownRedis) await quitWithin(redis, QUIT_WAIT_MS)
    logger.info({ influx: writer?.stats() }, 'audit worker stopped')
  }

  return {
    http,
    metrics,
    store,
    drift,
    rechecks,
    noise,
    gate,
    replayer,
    start,
    close: () => (closing ??= shutdown()),
    influxStats: () => writer?.stats(),
  }
}

/** How long a polite QUIT may take before the connection is cut. */
const QUIT_WAIT_MS = 1_000

// QUIT waits in the offline queue while Redis is away, and this client retries forever: a stop
// with Redis down would never end. A connection that is not ready, or a QUIT that is not answered
// in time, is cut instead.
async function quitWithin(redis: RedisClient, ms: number): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect()
    return
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  await Promise.race([redis.quit().then(() => undefined, () => undefined), timeout])
  clearTimeout(timer)
  redis.disconnect()
}

function cutBlockingConnection(worker: object): void {
  // `blockingConnection` is protected in BullMQ's types; it is the duplicate the worker made for
  // itself, so cutting it closes nothing the caller owns.
  const blocking = (worker as unknown as { blockingConnection?: { disconnect(wait?: boolean): Promise<void> } }).blockingConnection
  blocking?.disconnect(false).catch(() => undefined)
}
