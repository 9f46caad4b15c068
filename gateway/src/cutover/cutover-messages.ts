import { isMigrationStage, type MigrationStage } from '@shadowgate/shared'

/** Redis names of the cut-over protocol, all under the deployment's prefix. */
export interface CutoverKeys {
  /** Pub/sub channel of PREPARE, COMMIT and ABORT. */
  readonly channel: string
  /** Sorted set: instance id -> last heartbeat (epoch ms). */
  readonly instances: string
  epoch(route: string): string
  /** Held by the running cut-over of a route (value: its epoch), expires on its own. */
  lock(route: string): string
  /** Epoch ms of the route's last committed cut-over. */
  lastFlip(route: string): string
  /** Hash instance id -> Ack of one cut-over. */
  acks(route: string, epoch: number): string
  /** Hash instance id -> HoldReport of one cut-over. */
  reports(route: string, epoch: number): string
}

export function cutoverKeys(prefix: string): CutoverKeys {
  const base = `${prefix}:cutover`
  return {
    channel: base,
    instances: `${base}:instances`,
    epoch: (route) => `${base}:epoch:${route}`,
    lock: (route) => `${base}:lock:${route}`,
    lastFlip: (route) => `${base}:last:${route}`,
    acks: (route, epoch) => `${base}:acks:${route}:${epoch}`,
    reports: (route, epoch) => `${base}:reports:${route}:${epoch}`,
  }
}

export type CutoverMessage =
  | { readonly type: 'prepare'; readonly route: string; readonly epoch: number; readonly from: MigrationStage; readonly to: MigrationStage }
  | { readonly type: 'commit' | 'abort'; readonly route: string; readonly epoch: number }

/** An instance's answer to PREPARE: holding (ok) or refusing (overflow, unknown route, another hold). */
export interface CutoverAck {
  readonly ok: boolean
  readonly reason?: string | undefined
}

/** What an instance held during one cut-over and how it released it. */
export interface HoldReport {
  readonly instance: string
  /** Ms each held request waited, in arrival order (bounded by cutover.maxHeldRequests). */
  readonly pauses: readonly number[]
  /** `new` after a COMMIT, `old` otherwise. */
  readonly releasedTo: 'old' | 'new'
  /** Why: commit, abort, timeout (maxPause), overflow, close. */
  readonly cause: string
}

/** Epochs are positive integers from INCR; anything else is not ours. */
function isEpoch(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** A message from the channel (untrusted); undefined when it is not a valid one. */
export function parseCutoverMessage(text: string): CutoverMessage | undefined {
  const o = parseObject(text)
  if (o === undefined || typeof o['route'] !== 'string' || !isEpoch(o['epoch'])) return undefined
  const route = o['route']
  const epoch = o['epoch']
  if (o['type'] === 'commit' || o['type'] === 'abort') return { type: o['type'], route, epoch }
  if (o['type'] === 'prepare' && isMigrationStage(o['from']) && isMigrationStage(o['to'])) return { type: 'prepare', route, epoch, from: o['from'], to: o['to'] }
  return undefined
}

/** An ack read back by the coordinator (untrusted); an unreadable one counts as a refusal. */
export function parseAck(text: string): CutoverAck {
  const o = parseObject(text)
  if (o === undefined || typeof o['ok'] !== 'boolean') return { ok: false, reason: 'unreadable acknowledgement' }
  return { ok: o['ok'], reason: typeof o['reason'] === 'string' ? o['reason'].slice(0, 200) : undefined }
}

/** A hold report read back by the coordinator (untrusted); undefined when it is not valid. */
export function parseHoldReport(text: string, maxPauses: number): HoldReport | undefined {
  const o = parseObject(text)
  if (o === undefined) return undefined
  const { instance, pauses, releasedTo, cause } = o
  if (typeof instance !== 'string' || (releasedTo !== 'old' && releasedTo !== 'new') || typeof cause !== 'string') return undefined
  if (!Array.isArray(pauses) || pauses.length > maxPauses || !pauses.every((p) => typeof p === 'number' && Number.isFinite(p) && p >= 0)) return undefined
  return { instance, pauses: pauses as number[], releasedTo, cause }
}
