import { createHash } from 'node:crypto'
import { AUDIT_JOB_VERSION, SAME_AS_PRIMARY, auditRulesFingerprint, headerRedactionName, queryRedactionNames, type AuditJob, type AuditProducerConfig, type CapturedOutcome, type EncodedBody, type RouteConfig } from '@shadowgate/shared'
import type { MirrorPair, ObservedOutcome } from '../mirror/mirror-pair.js'
import { encodeBody, encodeBodyNow, worthCompressing } from './body-encoding.js'
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
  /** Query parameter names to redact, as queryRedactionNames compares them. */
  readonly redactQuery: ReadonlySet<string>
  readonly identityHeader: string | undefined
  readonly request: HeaderCaptureRules
  readonly response: HeaderCaptureRules
  /** Per route name, the fingerprint of its audit rules, stamped on its pairs (see auditRulesFingerprint). */
  readonly rulesFingerprints: ReadonlyMap<string, string>
}

export function captureRules(audit: AuditProducerConfig, routes: readonly RouteConfig[] = []): CaptureRules {
  const redact = new Set(audit.redactHeaders.map(headerRedactionName))
  return {
    rulesFingerprints: new Map(routes.map((r) => [r.name, auditRulesFingerprint(r.audit)])),
    maxBodyBytes: audit.maxBodyBytes,
    compressAboveBytes: audit.compressAboveBytes,
    redactQuery: queryRedactionNames(audit.redactQuery),
    identityHeader: audit.identityHeader,
    request: { keep: new Set(audit.captureRequestHeaders), redact },
    response: { keep: undefined, redact },
  }
}

/** Hex SHA-256 of no bytes: most mirrored requests (GET, HEAD) have no body to hash. */
const EMPTY_SHA256 = createHash('sha256').digest('hex')

/** The part of a captured outcome that is known without encoding the body. */
function errorOutcome(o: ObservedOutcome & { kind: 'error' }): CapturedOutcome {
  return { kind: 'error', error: o.error, message: o.message.slice(0, MAX_ERROR_MESSAGE_CHARS), latencyMs: o.latencyMs }
}

/** The body the job carries: the mirror already stops at the limit; cutting again keeps the job bounded whatever it handed over. */
function cappedBody(o: ObservedOutcome & { kind: 'response' }, rules: CaptureRules): { body: Buffer; truncated: boolean } {
  const over = o.body.length > rules.maxBodyBytes
  return { body: over ? o.body.subarray(0, rules.maxBodyBytes) : o.body, truncated: o.truncated || over }
}

function responseOutcome(o: ObservedOutcome & { kind: 'response' }, rules: CaptureRules, body: EncodedBody): CapturedOutcome {
  return { kind: 'response', status: o.status, headers: captureHeaders(o.headers, rules.response), body, latencyMs: o.latencyMs }
}

/**
 * The shadow's body when it is byte-identical to the primary's (same bytes, same cut): a reference
 * instead of a second copy, which the worker resolves (SAME_AS_PRIMARY). Undefined otherwise.
 */
function sameAsPrimary(primary: ObservedOutcome, shadow: ObservedOutcome & { kind: 'response' }, rules: CaptureRules): EncodedBody | undefined {
  if (primary.kind !== 'response' || primary.body.length !== shadow.body.length) return undefined
  const p = cappedBody(primary, rules)
  const s = cappedBody(shadow, rules)
  if (p.truncated !== s.truncated || !p.body.equals(s.body)) return undefined
  return { encoding: SAME_AS_PRIMARY, data: '', size: s.body.length, truncated: s.truncated }
}

/** Synchronous when no body needs compressing (the common case), so a batch builds without a promise per pair. */
function captureOutcome(o: ObservedOutcome, rules: CaptureRules, primary?: ObservedOutcome): CapturedOutcome | Promise<CapturedOutcome> {
  if (o.kind === 'error') return errorOutcome(o)
  const same = primary === undefined ? undefined : sameAsPrimary(primary, o, rules)
  if (same !== undefined) return responseOutcome(o, rules, same)
  const { body, truncated } = cappedBody(o, rules)
  if (!worthCompressing(body, rules.compressAboveBytes)) return responseOutcome(o, rules, encodeBodyNow(body, truncated))
  return encodeBody(body, truncated, rules.compressAboveBytes).then((encoded) => responseOutcome(o, rules, encoded))
}

function assemble(pair: MirrorPair, rules: CaptureRules, instance: string, capturedAtNs: string, primary: CapturedOutcome, shadow: CapturedOutcome): AuditJob {
  const req = pair.request
  const { path, query } = splitAndRedactUrl(req.url, rules.redactQuery)
  const rulesFingerprint = rules.rulesFingerprints.get(req.route)
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
      bodySha256: req.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(req.body).digest('hex'),
      caller: callerIdentity(req, rules.identityHeader, rules.request.redact),
    },
    primary,
    shadow,
    ...(rulesFingerprint === undefined ? {} : { rulesFingerprint }),
    served: pair.served ?? 'old',
  }
}

/**
 * Builds the queue payload for one completed pair; redaction happens here, before anything leaves
 * the process. Returns the job itself when no body needs compressing, a promise of it otherwise
 * (compression runs on the thread pool).
 */
export function buildAuditJobNow(pair: MirrorPair, rules: CaptureRules, instance: string, capturedAtNs: string): AuditJob | Promise<AuditJob> {
  const primary = captureOutcome(pair.primary, rules)
  const shadow = captureOutcome(pair.shadow, rules, pair.primary)
  if (!(primary instanceof Promise) && !(shadow instanceof Promise)) return assemble(pair, rules, instance, capturedAtNs, primary, shadow)
  return Promise.all([primary, shadow]).then(([p, s]) => assemble(pair, rules, instance, capturedAtNs, p, s))
}

/** Builds the queue payload for one completed pair; redaction happens here, before anything leaves the process. */
export async function buildAuditJob(pair: MirrorPair, rules: CaptureRules, instance: string, capturedAtNs: string): Promise<AuditJob> {
  return await buildAuditJobNow(pair, rules, instance, capturedAtNs)
}
