/** BullMQ queue that carries captured pairs from gateways to audit workers. */
export const AUDIT_QUEUE_NAME = 'shadowgate-audit'

/** Default key prefix for everything shadowgate stores in Redis. */
export const DEFAULT_REDIS_PREFIX = 'shadowgate'

/** Redis hash holding the runtime route settings every gateway instance applies (field = route name, value = JSON). */
export function runtimeSettingsKey(prefix: string): string {
  return `${prefix}:runtime:routes`
}

/** Pub/sub channel announcing a runtime change so every instance re-reads it within a second. */
export function runtimeChannel(prefix: string): string {
  return `${prefix}:runtime:changes`
}

/** Redis list of stage changes (newest first, bounded): who moved which route from which stage to which, and why. */
export function migrationLogKey(prefix: string): string {
  return `${prefix}:migration:log`
}

/** Redis keys of mismatch groups (sorted set index + one hash and one sample list per fingerprint). */
export function mismatchIndexKey(prefix: string): string {
  return `${prefix}:mismatch:index`
}
export function mismatchGroupKey(prefix: string, fingerprint: string): string {
  return `${prefix}:mismatch:group:${fingerprint}`
}
export function mismatchSamplesKey(prefix: string, fingerprint: string): string {
  return `${prefix}:mismatch:samples:${fingerprint}`
}

/** Redis hash of every route's write stage (field = route name, value = stage), apart from the runtime hash. */
export function writeStagesKey(prefix: string): string {
  return `${prefix}:writes:stages`
}
/** Pub/sub channel announcing a write-stage change (message: JSON `{route, stage}`). */
export function writeStagesChannel(prefix: string): string {
  return `${prefix}:writes:changes`
}
/**
 * Where one route partition's keys live. Every key of a partition carries the same hash tag, so the
 * multi-key scripts and transactions of the log (a gap's entry, open item and count; the replayer's
 * trim, outcome drop and count) stay in one slot, while a route's partitions spread over the slots of
 * a Redis Cluster. With a hash-tagged prefix (cluster mode) the prefix's braces are dropped, since the
 * first tag of a key wins: `{shadowgate}` gives `shadowgate:writes:log:{orders:3}`. Without a tag the
 * names stay plain: `shadowgate:writes:log:orders:3`.
 */
function writePartitionKey(kind: string, prefix: string, route: string, partition: number): string {
  if (prefixHashTag(prefix) === undefined) return `${prefix}:writes:${kind}:${route}:${partition}`
  return `${prefix.replace(/[{}]/g, '')}:writes:${kind}:{${route}:${partition}}`
}
/** One write-log stream per route partition; entries are in the order their intents were appended. */
export function writeStreamKey(prefix: string, route: string, partition: number): string {
  return writePartitionKey('log', prefix, route, partition)
}
/** Hash of the serving side's answer per intent of a partition (field = idempotency key, value = `status latencyMs`). */
export function writeOutcomesKey(prefix: string, route: string, partition: number): string {
  return writePartitionKey('outcomes', prefix, route, partition)
}
/** Hash of what needs an operator in a partition: gaps, unknowns, parked and malformed entries (field = entry id, value = JSON). */
export function writeAttentionKey(prefix: string, route: string, partition: number): string {
  return writePartitionKey('attention', prefix, route, partition)
}
/** Hash of a partition's acknowledgements (field = entry id, value = JSON with reason, who and when). */
export function writeAcksKey(prefix: string, route: string, partition: number): string {
  return writePartitionKey('acks', prefix, route, partition)
}
/** Hash of a partition's replay counters (replayed, mismatched, skipped, failed, parked, gaps, unknowns, malformed); a route's are their sum. */
export function writeCountersKey(prefix: string, route: string, partition: number): string {
  return writePartitionKey('counters', prefix, route, partition)
}
/**
 * Redis string: Redis-time epoch ms at which a partition's replay lag was last over
 * writes.maxLagForCutover (see write-lag-breach.ts); per partition, so it is written in the same
 * slot as the replayer's trim.
 */
export function writeLagBreachKey(prefix: string, route: string, partition: number): string {
  return writePartitionKey('lag-breach', prefix, route, partition)
}
/** The lease that makes one replayer the only reader of a partition, so each key keeps its order. */
export function writeLeaseKey(prefix: string, route: string, partition: number): string {
  return writePartitionKey('lease', prefix, route, partition)
}
/** Consumer group of the replayers on every write-log stream. */
export const WRITE_REPLAY_GROUP = 'shadowgate-replay'

/** Redis list of one gateway instance's latest slow requests (newest first, JSON entries). */
export function slowLogKey(prefix: string, instance: string): string {
  return `${prefix}:slow:${instance}`
}

/**
 * Default prefix in cluster mode: the braces are a Redis Cluster hash tag, so every key shadowgate
 * uses hashes to one slot and the multi-key scripts (BullMQ's, the mismatch groups', the runtime
 * compare-and-set) are legal there.
 */
export const DEFAULT_CLUSTER_REDIS_PREFIX = `{${DEFAULT_REDIS_PREFIX}}`

/**
 * The hash tag Redis Cluster would hash every `<prefix>:...` key by, or undefined when the prefix has
 * none: the text between the first `{` and the next `}`, when not empty (Redis' own rule).
 */
export function prefixHashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{')
  if (open < 0) return undefined
  const close = prefix.indexOf('}', open + 1)
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined
}

/** Redis hash of one route's gate figures in the window starting at `windowStart` (epoch ms); see gate-figures.ts. */
export function gateFiguresKey(prefix: string, route: string, windowStart: number): string {
  return `${prefix}:gate:figures:${route}:${windowStart}`
}

/** Redis string (JSON) holding the gate's last decision and its streaks for a route. */
export function gateLastKey(prefix: string, route: string): string {
  return `${prefix}:gate:last:${route}`
}

/** Redis lease naming the one audit worker whose gate evaluator acts. */
export function gateLeaseKey(prefix: string): string {
  return `${prefix}:gate:lease`
}

/** Start (epoch ms) of the gate window holding instant `t`: windows are aligned to multiples of the interval, so every process agrees. */
export function gateWindowStart(t: number, intervalMs: number): number {
  return Math.floor(t / intervalMs) * intervalMs
}

/** How long a figures hash is kept: long enough for late verdicts and for an operator to look, bounded. */
export function gateFiguresTtlMs(intervalMs: number): number {
  return Math.max(10 * intervalMs, 600_000)
}

/**
 * The bytes of one binary audit batch (AUDIT_BATCH_VERSION 2), beside its queue job of the same id:
 * written by the gateway before the job, deleted by the worker once the job completed.
 */
export function auditBatchKey(prefix: string, jobId: string): string {
  return `${prefix}:audit:batch:${jobId}`
}
