import { createHash } from 'node:crypto'
import { AUDIT_JOB_VERSION, type AuditJob, type AuditProducerConfig, type CapturedOutcome } from '@shadowgate/shared'
import type { MirrorPair, ObservedOutcome } from '../mirror/mirror-pair.js'
import { encodeBody } from './body-encoding.js'
import { callerIdentity } from './caller-identity.js'
import { captureHeaders, type HeaderCaptureRules } from './header-capture.js'
import { splitAndRedactUrl } from './query-redaction.js'
import { queueJobId } from './queue-job-id.js'

/** Upstream error messages are diagnostics, not payload: a runaway one must not bloat the job. */
const MAX_ERROR_MESSAGE_CHARS = 1_000

/** What the capture needs from `audit.*`, precomputed once instead of on every pair. */
export interface CaptureRules {
  readonly maxBodyBytes: number
  readonly compressAboveBytes: number
  readonly redactQuery: readonly string[]
  readonly identityHeader: string | undefined
  readonly request: HeaderCaptureRules
  readonly response: HeaderCaptureRules
}

export function captureRules(audit: AuditProducerConfig): CaptureRules {
  const redact = new Set(audit.redactHeaders)
  return {
    maxBodyBytes: audit.maxBodyBytes,
    compressAboveBytes: audit.compressAboveBytes,
    redactQuery: audit.redactQuery,
    identityHeader: audit.identityHeader,
    request: { keep: new Set(audit.captureRequestHeaders), redact },
    response: { keep: undefined, redact },
  }
}

async function captureOutcome(o: ObservedOutcome, rules: CaptureRules): Promise<CapturedOutcome> {
  if (o.kind === 'error') {
    return { kind: 'error', error: o.error, message: o.message.slice(0, MAX_ERROR_MESSAGE_CHARS), latencyMs: o.latencyMs }
  }
  // The mirror already stops at the limit; cutting again keeps the job bounded whatever it handed over.
  const over = o.body.length > rules.maxBodyBytes
  const body = over ? o.body.subarray(0, rules.maxBodyBytes) : o.body
  return {
    kind: 'response',
    status: o.status,
    headers: captureHeaders(o.headers, rules.response),
    body: await encodeBody(body, o.truncated || over, rules.compressAboveBytes),
    latencyMs: o.latencyMs,
  }
}

/** Builds the queue payload for one completed pair; redaction happens here, before anything leaves the process. */
export async function buildAuditJob(pair: MirrorPair, rules: CaptureRules, instance: string, capturedAtNs: string): Promise<AuditJob> {
  const req = pair.request
  const { path, query } = splitAndRedactUrl(req.url, rules.redactQuery)
  const [primary, shadow] = await Promise.all([captureOutcome(pair.primary, rules), captureOutcome(pair.shadow, rules)])
  return {
    v: AUDIT_JOB_VERSION,
    id: queueJobId(req.id, `${instance}-${capturedAtNs}`),
    instance,
    capturedAtNs,
    route: req.route,
    request: {
      method: req.method,
      path,
      query,
      headers: captureHeaders(req.headers, rules.request),
      bodySize: req.body.length,
      bodySha256: createHash('sha256').update(req.body).digest('hex'),
      caller: callerIdentity(req, rules.identityHeader, rules.request.redact),
    },
    primary,
    shadow,
  }
}
