import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { createRedisClient, type RedisClient } from '../create-redis-client.js'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { InfluxWriter } from '@shadowgate/influx'
import type { RedisConfig, ShadowgateConfig } from '@shadowgate/shared'
import { GateEvaluator, type GateEvaluatorOptions } from './gate-evaluator.js'
import { GateMetrics } from './gate-metrics.js'
import { GateVerdictFigures } from './gate-verdict-figures.js'
import { GateWebhook } from './gate-webhook.js'

/** Test and embedding knobs of the gate (clock, lease ttl, round length, the cut-over hook). */
export type AuditGateOptions = Partial<Pick<GateEvaluatorOptions, 'id' | 'now' | 'leaseTtlMs' | 'tickMs' | 'settleMs' | 'promote' | 'cutoverTakeTimeoutMs'>>

/** Bound on each gate command, so a stalled Redis never stalls a round or a shutdown. */
const GATE_COMMAND_TIMEOUT_MS = 2_000

/**
 * The gate's parts in an audit worker, when any route has a gate: the verdict figures the worker
 * adds, and the evaluator (acting only while this worker holds the lease). They use their own
 * fail-fast connection, not the worker's (which waits for Redis forever, as BullMQ needs).
 */
export class AuditGate {
  readonly figures: GateVerdictFigures
  readonly evaluator: GateEvaluator
  readonly #redis: RedisClient
  readonly #webhook: GateWebhook
  #closing: Promise<void> | undefined

  constructor(config: ShadowgateConfig, deps: { readonly redis: RedisConfig; readonly prefix: string; readonly logger: Logger; readonly registry: Registry; readonly writer: InfluxWriter | undefined }, opts: AuditGateOptions = {}) {
    const logger = deps.logger.child({ component: 'gate' })
    // Built from the config like every client (single, Sentinel or Cluster); in cluster mode the prefix's hash tag keeps the
    // lease, figures and runtime keys in one slot.
    this.#redis = createRedisClient(deps.redis, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: GATE_COMMAND_TIMEOUT_MS, connectionName: 'shadowgate-gate' })
    this.#redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'gate redis connection error'))
    const metrics = new GateMetrics(deps.registry)
    this.#webhook = new GateWebhook(logger, metrics)
    this.figures = new GateVerdictFigures(this.#redis, deps.prefix, config.routes, logger)
    this.evaluator = new GateEvaluator({ ...opts, redis: this.#redis, prefix: deps.prefix, routes: config.routes, id: opts.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, logger, metrics, webhook: this.#webhook, writer: deps.writer, cutover: config.cutover })
  }

  /** Whether any route has a gate. */
  static wanted(config: ShadowgateConfig): boolean {
    return config.routes.some((r) => r.gate !== undefined)
  }

  async start(): Promise<void> {
    if (this.#redis.status === 'wait') await this.#redis.connect().catch(() => undefined)
    this.figures.start()
    this.evaluator.start()
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.evaluator.close()
      await this.figures.close()
      await this.#webhook.close()
      this.#redis.disconnect()
    })()
    return this.#closing
  }
}
