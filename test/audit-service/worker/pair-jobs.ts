import { Queue } from 'bullmq'
import { AUDIT_BATCH_JOB_NAME, AUDIT_JSON_BATCH_VERSION, AUDIT_QUEUE_NAME, checkAuditJob, packAuditBatch, type AuditJob, type CapturedOutcome } from '@shadowgate/shared'
import { AuditQueueWriter, batchJobId } from '../../../gateway/src/capture/audit-queue-writer.js'
import { createProducerConnection } from '../../../gateway/src/capture/producer-connection.js'

let seq = 0

/** A JSON response as the gateway captures it. */
export function jsonResponse(body: unknown, opts: { status?: number; headers?: Record<string, string | string[]>; latencyMs?: number } = {}): CapturedOutcome {
  const data = JSON.stringify(body)
  return {
    kind: 'response',
    status: opts.status ?? 200,
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: { encoding: 'utf8', data, size: Buffer.byteLength(data), truncated: false },
    latencyMs: opts.latencyMs ?? 5,
  }
}

/** A valid AuditJob with unique id and capture time (UniqueClock layout: ms + counter + slot). */
export function pairJob(route: string, primary: CapturedOutcome, shadow: CapturedOutcome, opts: { method?: string; headers?: Record<string, string>; instance?: string; capturedAtNs?: string; id?: string } = {}): AuditJob {
  seq++
  const ms = 1_700_000_000_000 + seq
  return {
    v: 1,
    id: opts.id ?? `job-${process.pid}-${seq}`,
    instance: opts.instance ?? 'gw-1',
    capturedAtNs: opts.capturedAtNs ?? `${ms}000${'042'}`,
    route,
    request: {
      method: opts.method ?? 'GET',
      path: `/${route}/${seq}`,
      query: 'page=1',
      headers: { accept: 'application/json', ...opts.headers },
      bodySize: 0,
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      caller: '10.0.0.1',
    },
    primary,
    shadow,
  }
}

/** Pairs per batch job when a test does not say: several, as the gateway's batches carry. */
const TEST_BATCH_SIZE = 4

function isJob(pair: unknown): pair is AuditJob {
  try {
    checkAuditJob(pair)
    return true
  } catch {
    return false
  }
}

/**
 * Writes pairs to the audit queue the way the gateway does: through its queue writer and producer
 * connection, as batch jobs (binary AuditBatch envelopes) of `batchSize` pairs each, in order. A pair
 * the gateway would never send (the worker must still cope) can be passed as untyped data: a batch
 * holding one goes as a JSON batch (AUDIT_JSON_BATCH_VERSION, as older gateways write), the only
 * form that can carry it.
 */
export async function enqueueBatches(redisUrl: string, prefix: string, pairs: readonly (AuditJob | Record<string, unknown>)[], batchSize = TEST_BATCH_SIZE): Promise<void> {
  const connection = createProducerConnection({ mode: 'single', url: redisUrl, prefix })
  const writer = new AuditQueueWriter(connection, { queueName: AUDIT_QUEUE_NAME, prefix, keepFailedJobs: 100, timeoutMs: 10_000, onError: () => undefined })
  let json: Queue | undefined
  try {
    await connection.connect()
    for (let i = 0; i < pairs.length; i += batchSize) {
      const batch = pairs.slice(i, i + batchSize)
      if (batch.every(isJob)) await writer.addBatch({ jobId: batchJobId(batch[0]?.id ?? String(i)), ...packAuditBatch(batch) })
      else {
        json ??= new Queue(AUDIT_QUEUE_NAME, { connection: { url: redisUrl }, prefix, defaultJobOptions: { removeOnComplete: true } })
        const first = batch[0] as Record<string, unknown> | undefined
        await json.add(AUDIT_BATCH_JOB_NAME, { v: AUDIT_JSON_BATCH_VERSION, kind: 'batch', pairs: batch }, { jobId: `b-${String(first?.['id'] ?? i)}` })
      }
    }
  } finally {
    await json?.close()
    await writer.close()
    connection.disconnect()
  }
}
