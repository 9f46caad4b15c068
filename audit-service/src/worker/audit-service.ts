import { AUDIT_QUEUE_NAME, ConfigError, type ShadowgateConfig } from '@shadowgate/shared'
import { Worker, type Job } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { AuditGate, type AuditGateOptions } from '../gate/audit-gate.js'
import { buildAuditHttpApp } from '../http/build-audit-http-app.js'
import { InfluxWriter, type InfluxWriterOptions, type InfluxWriterStats } from '@shadowgate/influx'
import { PathBudget } from '../influx/path-budget.js'
import { MismatchStore } from '../mismatch/mismatch-store.js'
import { judgePair } from '../verdict/judge-pair.js'
import { AuditJobProcessor, type AuditBatchResult, type AuditResult, type JudgeFn } from './audit-job-processor.js'
import { AuditMetrics } from './audit-metrics.js'
import { PairTimestamps } from './pair-timestamps.js'

export interface AuditServiceOptions {
  readonly logger: Logger
  /** Redis connection for commands (BullMQ duplicates it for its blocking reads). Injected connections are never closed. */
  readonly connection?: Redis
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
  /** Gate knobs (clock, lease ttl, round length, cut-over hook); the gate runs when any route has one. */
  readonly gate?: AuditGateOptions
}

export interface AuditService {
  /** The HTTP API (/mismatches, /healthz, /metrics); never listening unless the caller listens. */
  readonly http: FastifyInstance
  readonly metrics: AuditMetrics
  readonly store: MismatchStore
  /** The gate, when any route has one. */
  readonly gate: AuditGate | undefined
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
  if (!config.redis) throw new ConfigError('redis', 'is required to run the audit worker (redis.url)')
  const redisCfg = config.redis
  const logger = options.logger
  const ownRedis = options.connection === undefined
  const redis = options.connection ?? new Redis(redisCfg.url, { maxRetriesPerRequest: null, lazyConnect: true })
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'))
  const metrics = new AuditMetrics(options.registry ? { registry: options.registry } : {})
  const writer = config.influx ? new InfluxWriter(config.influx, { ...options.influx, logger }) : undefined
  metrics.observeInflux(() => writer?.stats())
  const store = new MismatchStore(redis, redisCfg.prefix, config.worker)
  const gate = AuditGate.wanted(config) ? new AuditGate(config, { redis, prefix: redisCfg.prefix, logger, registry: metrics.registry, writer }, options.gate) : undefined
  const processor = new AuditJobProcessor({
    config,
    judge: options.judge ?? judgePair,
    writer,
    store,
    paths: new PathBudget(redis, redisCfg.prefix, config.worker.maxPathsPerRoute),
    times: new PairTimestamps(redis, redisCfg.prefix),
    metrics,
    logger,
    gateFigures: gate?.figures,
  })
  let worker: Worker | undefined
  let running = false
  let closing: Promise<void> | undefined
  const http = buildAuditHttpApp({ listMismatches: (o) => store.list(o), registry: metrics.registry, healthy: () => running, logger })

  const start = async (): Promise<void> => {
    if (worker || closing) return
    if (!writer) logger.warn('influx is not configured: verdicts are not written to InfluxDB')
    if (ownRedis && redis.status === 'wait') await redis.connect()
    worker = new Worker<unknown, AuditResult | AuditBatchResult>(AUDIT_QUEUE_NAME, (job: Job<unknown, AuditResult | AuditBatchResult>) => processor.processAny({ id: job.id, data: job.data, timestamp: job.timestamp }), {
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
    await gate?.start()
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
        await w.close(true).catch(() => undefined)
      }
    }
    await gate?.close()
    if (writer) await writer.close()
    await http.close()
    if (ownRedis) await redis.quit().catch(() => redis.disconnect())
    logger.info({ influx: writer?.stats() }, 'audit worker stopped')
  }

  return {
    http,
    metrics,
    store,
    gate,
    start,
    close: () => (closing ??= shutdown()),
    influxStats: () => writer?.stats(),
  }
}
