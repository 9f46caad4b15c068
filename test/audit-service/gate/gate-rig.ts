import type { Redis } from 'ioredis'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import {
  GATE_FIELD_JUDGED,
  GATE_FIELD_MISMATCH,
  gateFiguresKey,
  gateLastKey,
  gateLatencyBucket,
  gateLatencyField,
  gateServedField,
  gateStatusField,
  migrationLogKey,
  parseConfig,
  runtimeSettingsKey,
  type ShadowgateConfig,
} from '@shadowgate/shared'
import { GateEvaluator, type GateEvaluatorOptions } from '../../../audit-service/src/gate/gate-evaluator.js'
import { GateMetrics } from '../../../audit-service/src/gate/gate-metrics.js'
import { GateWebhook } from '../../../audit-service/src/gate/gate-webhook.js'

export const PREFIX = 'sggate'
export const INTERVAL_MS = 1_000

/** A config with one gated route `orders` in canary; `gate` is YAML for the gate's keys. */
export function gateConfig(redisUrl: string, gate: string, route: { stage?: string; serve?: number } = {}): ShadowgateConfig {
  return parseConfig(`
primary: http://127.0.0.1:1
shadow: http://127.0.0.1:2
redis: { url: "${redisUrl}", prefix: ${PREFIX} }
routes:
  - name: orders
    match: "/orders/*"
    stage: ${route.stage ?? 'canary'}
    serve: { percent: ${route.serve ?? 1} }
    gate: { interval: ${INTERVAL_MS}ms, ${gate} }
`)
}

/** Served-side figures as a gateway flushes them (one side of one window). */
export async function addServed(redis: Redis, route: string, windowStart: number, side: 'old' | 'new', served: number, fivexx: number, latencyMs: number): Promise<void> {
  const key = gateFiguresKey(PREFIX, route, windowStart)
  await redis.hincrby(key, gateServedField(side), served)
  await redis.hincrby(key, gateStatusField(side, '2xx'), served - fivexx)
  if (fivexx > 0) await redis.hincrby(key, gateStatusField(side, '5xx'), fivexx)
  await redis.hincrby(key, gateLatencyField(side, gateLatencyBucket(latencyMs)), served)
}

/** Judged-pair figures as audit workers flush them. */
export async function addJudged(redis: Redis, route: string, windowStart: number, judged: number, mismatches: number): Promise<void> {
  const key = gateFiguresKey(PREFIX, route, windowStart)
  await redis.hincrby(key, GATE_FIELD_JUDGED, judged)
  if (mismatches > 0) await redis.hincrby(key, GATE_FIELD_MISMATCH, mismatches)
}

/** A healthy window: both sides fast and clean, `judged` pairs, no mismatch. */
export async function cleanWindow(redis: Redis, windowStart: number, judged = 30): Promise<void> {
  await addJudged(redis, 'orders', windowStart, judged, 0)
  await addServed(redis, 'orders', windowStart, 'old', 100, 0, 20)
  await addServed(redis, 'orders', windowStart, 'new', 30, 0, 20)
}

export interface StoredStageView {
  readonly stage: string
  readonly serve: number
}

export async function storedStage(redis: Redis, route = 'orders'): Promise<StoredStageView | undefined> {
  const raw = await redis.hget(runtimeSettingsKey(PREFIX), route)
  if (raw === null) return undefined
  const m = (JSON.parse(raw) as { migration: StoredStageView }).migration
  return { stage: m.stage, serve: m.serve }
}

export async function lastDecision(redis: Redis, route = 'orders'): Promise<Record<string, unknown>> {
  return JSON.parse((await redis.get(gateLastKey(PREFIX, route))) ?? 'null') as Record<string, unknown>
}

export async function stageLog(redis: Redis): Promise<Record<string, unknown>[]> {
  return (await redis.lrange(migrationLogKey(PREFIX), 0, -1)).map((t) => JSON.parse(t) as Record<string, unknown>)
}

/** An evaluator on a fake clock (`clock.now`), judging each window as soon as it has ended. */
export function evaluatorOn(
  redis: Redis,
  config: ShadowgateConfig,
  clock: { now: number },
  opts: { id?: string; leaseTtlMs?: number } & Partial<Pick<GateEvaluatorOptions, 'promote' | 'cutoverTakeTimeoutMs'>> = {},
): { evaluator: GateEvaluator; registry: Registry; webhook: GateWebhook } {
  const registry = new Registry()
  const metrics = new GateMetrics(registry)
  const logger = pino({ level: 'silent' })
  const webhook = new GateWebhook(logger, metrics)
  const evaluator = new GateEvaluator({ redis, prefix: PREFIX, routes: config.routes, id: opts.id ?? 'w1', logger, metrics, webhook, now: () => clock.now, settleMs: 0, leaseTtlMs: opts.leaseTtlMs ?? 60_000, cutover: config.cutover, promote: opts.promote, cutoverTakeTimeoutMs: opts.cutoverTakeTimeoutMs })
  return { evaluator, registry, webhook }
}
