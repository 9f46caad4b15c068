import { JobSchemaError } from './errors.js'
import { parseAuditJob, type AuditJob } from './job-schema.js'

/** Version of the batch envelope. Bumped on any incompatible change; workers reject versions they do not know. */
export const AUDIT_BATCH_VERSION = 1
/**
 * Most pairs one batch job may carry. A worker judges a batch's pairs in turn and writes their
 * points in one request, so the batch's length bounds how long one job holds its lock and how much
 * one InfluxDB write carries; producers never write more (the gateway's `audit.batchSize` is capped
 * here) and workers refuse a longer batch as skipped/invalid_job instead of judging it.
 */
export const AUDIT_MAX_BATCH_PAIRS = 1_000
/** BullMQ job name of a job carrying one AuditJob (older producers; still accepted by workers). */
export const AUDIT_PAIR_JOB_NAME = 'pair'
/** BullMQ job name of a job carrying an AuditBatch. */
export const AUDIT_BATCH_JOB_NAME = 'pairs'

/**
 * Many pairs in one queue job: one BullMQ job, one Redis script and one JSON document per batch
 * instead of per pair. Each pair keeps its own id and capture time, so everything downstream
 * (points, mismatch groups) stays keyed by pair.
 */
export interface AuditBatch {
  readonly v: typeof AUDIT_BATCH_VERSION
  readonly kind: 'batch'
  readonly pairs: readonly AuditJob[]
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Whether queue data claims to be a batch envelope (`kind: 'batch'`); a single AuditJob has no `kind`. */
export function isAuditBatch(data: unknown): boolean {
  return isObj(data) && data['kind'] === 'batch'
}

/** Checks the envelope only and returns its pairs unchecked, so one bad pair need not hide the others. */
export function auditBatchPairs(data: unknown): readonly unknown[] {
  if (!isObj(data)) throw new JobSchemaError('batch must be an object')
  if (data['v'] !== AUDIT_BATCH_VERSION) throw new JobSchemaError(`batch.v must be ${AUDIT_BATCH_VERSION} (got ${JSON.stringify(data['v'])})`)
  if (data['kind'] !== 'batch') throw new JobSchemaError('batch.kind must be "batch"')
  const pairs = data['pairs']
  if (!Array.isArray(pairs)) throw new JobSchemaError('batch.pairs must be an array')
  if (pairs.length > AUDIT_MAX_BATCH_PAIRS) throw new JobSchemaError(`batch.pairs must hold at most ${AUDIT_MAX_BATCH_PAIRS} pairs (got ${pairs.length})`)
  return pairs as readonly unknown[]
}

/** Checks one pair of a batch; errors name it as `batch.pairs[3].route ...`. */
export function parseBatchPair(pair: unknown, index: number): AuditJob {
  try {
    return parseAuditJob(pair)
  } catch (err) {
    if (!(err instanceof JobSchemaError)) throw err
    throw new JobSchemaError(err.message.replace(/^job/, `batch.pairs[${index}]`))
  }
}

/** Checks a whole batch: the envelope, then every pair. Throws JobSchemaError naming the first thing wrong. */
export function parseAuditBatch(data: unknown): AuditBatch {
  const pairs = auditBatchPairs(data)
  pairs.forEach((p, i) => parseBatchPair(p, i))
  return data as AuditBatch
}
