import { decodeAuditBatch } from './audit-batch-codec.js'
import { AUDIT_BATCH_CODEC, AUDIT_BATCH_CODEC_V1, encodeAuditBatch } from './audit-batch-writer.js'
import { JobSchemaError, JobVersionError } from './errors.js'
import { parseAuditJob, type AuditJob } from './job-schema.js'

/**
 * Version of the batch envelope the gateway writes: 2, a binary batch (see AuditBatch). Workers also
 * read version 1 (AUDIT_JSON_BATCH_VERSION, the pairs inside the JSON job) and count any other
 * version under its own skip reason (JobVersionError).
 */
export const AUDIT_BATCH_VERSION = 2
/** Version of the envelope that carries its pairs as JSON inside the queue job (older gateways). */
export const AUDIT_JSON_BATCH_VERSION = 1
/** How a version 2 batch's bytes are encoded (see audit-batch-writer.ts): the pairs' values in a fixed order, bodies as bytes. */
export const AUDIT_BATCH_FORMAT = AUDIT_BATCH_CODEC
/** The formats of a version 2 batch's bytes workers read: the current one and older gateways'. */
export const AUDIT_BATCH_FORMATS: readonly string[] = [AUDIT_BATCH_CODEC, AUDIT_BATCH_CODEC_V1]
/**
 * Most pairs one batch job may carry. A worker judges a batch's pairs in turn and writes their
 * points in one request, so the batch's length bounds how long one job holds its lock and how much
 * one InfluxDB write carries; producers never write more (the gateway's `audit.batchSize` is capped
 * here) and workers refuse a longer batch as skipped/invalid_job instead of judging it.
 */
export const AUDIT_MAX_BATCH_PAIRS = 1_000
/**
 * How long Redis keeps a version 2 batch's bytes. The worker deletes them once their job completed;
 * the expiry only reclaims the bytes of a job that never came to be (its add failed after the bytes
 * were written) or that was failed for good. A job still waiting after this long is counted, pair by
 * pair under its route, as skipped for its missing bytes.
 */
export const AUDIT_BATCH_BYTES_TTL_MS = 24 * 60 * 60 * 1000
/** BullMQ job name of a job carrying one AuditJob (older producers; still accepted by workers). */
export const AUDIT_PAIR_JOB_NAME = 'pair'
/** BullMQ job name of a job carrying a batch envelope. */
export const AUDIT_BATCH_JOB_NAME = 'pairs'

/**
 * Many pairs in one queue job, version 2: the job is this small JSON envelope, and the pairs are one
 * binary document (AUDIT_BATCH_FORMAT: bodies as raw bytes, no field names, no base64, no JSON
 * escaping) stored under
 * `auditBatchKey(prefix, jobId)`, written by the same producer just before the job. `count` is how
 * many pairs the bytes hold and `routes` how many of them belong to each route, so that a worker
 * that cannot read the bytes (gone, corrupt) still counts every pair under its route.
 */
export interface AuditBatch {
  readonly v: typeof AUDIT_BATCH_VERSION
  readonly kind: 'batch'
  readonly format: typeof AUDIT_BATCH_FORMAT | typeof AUDIT_BATCH_CODEC_V1
  readonly count: number
  readonly routes: Readonly<Record<string, number>>
}

/** Version 1: the pairs inside the queue job's JSON, bodies as text. Written by older gateways. */
export interface JsonAuditBatch {
  readonly v: typeof AUDIT_JSON_BATCH_VERSION
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

/** The envelope of a version 2 batch in the current format, from how many of its pairs belong to each route. */
export function auditBatchEnvelope(routes: ReadonlyMap<string, number>): AuditBatch {
  let count = 0
  const byRoute: Record<string, number> = {}
  for (const [route, n] of routes) {
    // defineProperty, not assignment: a route named __proto__ stays a route.
    Object.defineProperty(byRoute, route, { value: n, enumerable: true, writable: true, configurable: true })
    count += n
  }
  return { v: AUDIT_BATCH_VERSION, kind: 'batch', format: AUDIT_BATCH_FORMAT, count, routes: byRoute }
}

/** The envelope and the bytes of a version 2 batch of `pairs` (at least one). */
export function packAuditBatch(pairs: readonly AuditJob[]): { readonly envelope: AuditBatch; readonly bytes: Buffer } {
  const routes = new Map<string, number>()
  for (const p of pairs) routes.set(p.route, (routes.get(p.route) ?? 0) + 1)
  return { envelope: auditBatchEnvelope(routes), bytes: encodeAuditBatch(pairs) }
}

function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new JobSchemaError(`${what} must be a positive integer`)
  if (n > AUDIT_MAX_BATCH_PAIRS) throw new JobSchemaError(`${what} must be at most ${AUDIT_MAX_BATCH_PAIRS} (got ${n})`)
  return n
}

/** Checks a version 2 envelope: its format, count and per-route counts (which must add up to the count). */
function checkBinaryEnvelope(data: Record<string, unknown>): AuditBatch {
  if (!AUDIT_BATCH_FORMATS.includes(data['format'] as string)) throw new JobSchemaError(`batch.format must be one of ${AUDIT_BATCH_FORMATS.map((f) => `"${f}"`).join(', ')}`)
  const count = checkCount(data['count'], 'batch.count')
  const routes = data['routes']
  if (!isObj(routes)) throw new JobSchemaError('batch.routes must be an object')
  let sum = 0
  for (const n of Object.values(routes)) sum += checkCount(n, 'batch.routes values')
  if (sum !== count) throw new JobSchemaError(`batch.routes must add up to batch.count (${sum} vs ${count})`)
  return data as unknown as AuditBatch
}

/**
 * How many pairs of which route a version 2 envelope says it carries, whether or not its bytes can be
 * read; undefined for any other envelope, or one whose counts do not check (such a batch counts as
 * one invalid pair, as a version 1 envelope that cannot be read does).
 */
export function auditBatchClaimedPairs(data: unknown): ReadonlyArray<readonly [route: string, count: number]> | undefined {
  try {
    if (!isObj(data) || data['kind'] !== 'batch' || data['v'] !== AUDIT_BATCH_VERSION) return undefined
    return Object.entries(checkBinaryEnvelope(data).routes)
  } catch {
    return undefined
  }
}

/**
 * Checks the envelope only and returns its pairs unchecked, so one bad pair need not hide the others.
 * `bytes` is what is stored beside a version 2 job (undefined for version 1, or when it is gone).
 * Throws JobVersionError for a version this code does not read, JobSchemaError for anything else.
 */
export function auditBatchPairs(data: unknown, bytes?: Uint8Array | null): readonly unknown[] {
  if (!isObj(data)) throw new JobSchemaError('batch must be an object')
  if (data['kind'] !== 'batch') throw new JobSchemaError('batch.kind must be "batch"')
  const v = data['v']
  if (v === AUDIT_BATCH_VERSION) return binaryPairs(checkBinaryEnvelope(data), bytes)
  if (v !== AUDIT_JSON_BATCH_VERSION) {
    const message = `batch.v must be ${AUDIT_JSON_BATCH_VERSION} or ${AUDIT_BATCH_VERSION} (got ${JSON.stringify(v)})`
    // A number is another version of the envelope; anything else is not an envelope at all.
    throw typeof v === 'number' ? new JobVersionError(message) : new JobSchemaError(message)
  }
  const pairs = data['pairs']
  if (!Array.isArray(pairs)) throw new JobSchemaError('batch.pairs must be an array')
  if (pairs.length > AUDIT_MAX_BATCH_PAIRS) throw new JobSchemaError(`batch.pairs must hold at most ${AUDIT_MAX_BATCH_PAIRS} pairs (got ${pairs.length})`)
  return pairs as readonly unknown[]
}

function binaryPairs(envelope: AuditBatch, bytes: Uint8Array | null | undefined): readonly unknown[] {
  if (bytes === undefined || bytes === null) throw new JobSchemaError('batch bytes are missing (expired, evicted or never written)')
  return decodeAuditBatch(bytes, envelope.count, envelope.format)
}

/** Checks one pair of a batch; errors name it as `batch.pairs[3].route ...`. */
export function parseBatchPair(pair: unknown, index: number): AuditJob {
  try {
    return parseAuditJob(pair)
  } catch (err) {
    if (!(err instanceof JobSchemaError)) throw err
    const message = err.message.replace(/^job/, `batch.pairs[${index}]`)
    throw err instanceof JobVersionError ? new JobVersionError(message) : new JobSchemaError(message)
  }
}

/** Checks a whole batch: the envelope, then every pair. Throws JobSchemaError naming the first thing wrong. */
export function parseAuditBatch(data: unknown, bytes?: Uint8Array | null): readonly AuditJob[] {
  return auditBatchPairs(data, bytes).map((p, i) => parseBatchPair(p, i))
}
