import { createHash } from 'node:crypto'
import { gzip } from 'node:zlib'
import { promisify } from 'node:util'
import { GZIP_CODE, PAIR_OVERHEAD, RAW_CODE, SAME_AS_PRIMARY_CODE, auditRulesFingerprint, queryRedactionNames, type AuditBatchWriter, type AuditProducerConfig, type RouteConfig } from '@shadowgate/shared'
import type { MirrorPair, ObservedOutcome, ObservedResponse } from '../mirror/mirror-pair.js'
import { callerIdentity } from './caller-identity.js'
import { HeaderCapture } from './header-capture.js'
import { splitAndRedactUrl } from './query-redaction.js'
import { queueJobId } from './queue-job-id.js'

const gzipAsync = promisify(gzip)

/** Upstream error messages are diagnostics, not payload: a runaway one must not bloat the batch. */
const MAX_ERROR_MESSAGE_CHARS = 1_000

/** What the capture needs from `audit.*`, precomputed once instead of on every pair. */
export interface CaptureRules {
  readonly maxBodyBytes: number
  readonly compressAboveBytes: number
  /** Query parameter names to redact, as queryRedactionNames compares them. */
  readonly redactQuery: ReadonlySet<string>
  readonly identityHeader: string | undefined
  /** Whether the identity header is a redacted one (the caller is then a hash of it). */
  readonly identityRedacted: boolean
  readonly headers: HeaderCapture
  /** Per route name, the fingerprint of its audit rules, stamped on its pairs (see auditRulesFingerprint). */
  readonly rulesFingerprints: ReadonlyMap<string, string>
}

export function captureRules(audit: AuditProducerConfig, routes: readonly RouteConfig[] = []): CaptureRules {
  const headers = new HeaderCapture(audit.captureRequestHeaders, audit.redactHeaders)
  return {
    rulesFingerprints: new Map(routes.map((r) => [r.name, auditRulesFingerprint(r.audit)])),
    maxBodyBytes: audit.maxBodyBytes,
    compressAboveBytes: audit.compressAboveBytes,
    redactQuery: queryRedactionNames(audit.redactQuery),
    identityHeader: audit.identityHeader,
    identityRedacted: audit.identityHeader !== undefined && headers.redacts(audit.identityHeader),
    headers,
  }
}

/** Hex SHA-256 of no bytes: most mirrored requests (GET, HEAD) have no body to hash. */
const EMPTY_SHA256 = createHash('sha256').digest('hex')

/** The body the batch carries: the mirror already stops at the limit; cutting again keeps the batch bounded whatever it handed over. */
function cappedBody(o: ObservedResponse, maxBodyBytes: number): Buffer {
  return o.body.length > maxBodyBytes ? o.body.subarray(0, maxBodyBytes) : o.body
}

/** Whether the shadow's body is byte-identical to the primary's (same bytes, same cut): it then travels as a reference. */
function sameAsPrimary(primary: ObservedOutcome, shadow: ObservedResponse, maxBodyBytes: number): boolean {
  if (primary.kind !== 'response' || primary.body.length !== shadow.body.length) return false
  if (primary.truncated !== shadow.truncated) return false
  return cappedBody(primary, maxBodyBytes).equals(cappedBody(shadow, maxBodyBytes))
}

/** A pair's bodies gzip-compressed where that was worth it (undefined: travels as captured). */
export interface PackedBodies {
  readonly primary: Buffer | undefined
  readonly shadow: Buffer | undefined
}

function worthCompressing(o: ObservedOutcome, rules: CaptureRules): o is ObservedResponse {
  return o.kind === 'response' && o.body.length > rules.compressAboveBytes && o.body.length > 0
}

/** Whether any body of the pair is above `audit.compressAboveBytes` (most are not, and need no promise). */
export function needsCompression(pair: MirrorPair, rules: CaptureRules): boolean {
  return worthCompressing(pair.primary, rules) || worthCompressing(pair.shadow, rules)
}

async function packed(o: ObservedOutcome, rules: CaptureRules): Promise<Buffer | undefined> {
  if (!worthCompressing(o, rules)) return undefined
  const body = cappedBody(o, rules.maxBodyBytes)
  const gz = await gzipAsync(body)
  return gz.length < body.length ? gz : undefined
}

/**
 * Compresses the pair's bodies above `audit.compressAboveBytes` where that makes them shorter, on
 * libuv's thread pool, so a large body never stalls the event loop that serves client requests. The
 * body's own HTTP content-encoding (a gzip response) is left as it is: the worker undoes it with the
 * captured content-encoding header.
 */
export async function compressBodies(pair: MirrorPair, rules: CaptureRules): Promise<PackedBodies> {
  const shadowSame = pair.shadow.kind === 'response' && sameAsPrimary(pair.primary, pair.shadow, rules.maxBodyBytes)
  const [primary, shadow] = await Promise.all([packed(pair.primary, rules), shadowSame ? undefined : packed(pair.shadow, rules)])
  return { primary, shadow }
}

/** Bytes a pair may take in its batch: its bodies, its URL and room for the rest (to size the batch's writer once). */
export function pairRoom(pair: MirrorPair): number {
  const body = (o: ObservedOutcome): number => (o.kind === 'response' ? o.body.length : 0)
  return PAIR_OVERHEAD + pair.request.url.length + body(pair.primary) + body(pair.shadow)
}

function writeOutcome(w: AuditBatchWriter, o: ObservedOutcome, rules: CaptureRules, packedBody: Buffer | undefined, primary: ObservedOutcome | undefined): void {
  if (o.kind === 'error') return w.error(o.error, o.message.length > MAX_ERROR_MESSAGE_CHARS ? o.message.slice(0, MAX_ERROR_MESSAGE_CHARS) : o.message, o.latencyMs)
  // The worker refuses a pair whose status is not one: caught here, it is counted where it arose.
  if (!Number.isInteger(o.status) || o.status < 100 || o.status > 999) throw new RangeError(`${primary === undefined ? 'primary' : 'shadow'}.status ${o.status} is not an HTTP status code`)
  w.u8(0)
  w.u16(o.status)
  rules.headers.writeLines(w, o.headers)
  w.f64(o.latencyMs)
  const truncated = o.truncated || o.body.length > rules.maxBodyBytes
  if (primary !== undefined && sameAsPrimary(primary, o, rules.maxBodyBytes)) return w.byteBody(SAME_AS_PRIMARY_CODE, truncated, Math.min(o.body.length, rules.maxBodyBytes), undefined)
  const body = cappedBody(o, rules.maxBodyBytes)
  if (packedBody !== undefined) w.byteBody(GZIP_CODE, truncated, body.length, packedBody)
  else w.byteBody(RAW_CODE, truncated, body.length, body)
}

/**
 * Writes one completed pair into its batch, in the batch grammar (audit-batch-writer.ts), straight
 * from what the mirror captured: redaction happens here, before anything leaves the process, and no
 * job object is built on the way. Returns the pair's job id. Throws when the pair cannot be written
 * (the caller rewinds the writer and counts the pair invalid).
 */
export function writePair(w: AuditBatchWriter, pair: MirrorPair, rules: CaptureRules, instance: string, capturedAtNs: string, bodies?: PackedBodies): string {
  const req = pair.request
  const id = queueJobId(req.id, `${instance}-${capturedAtNs}`)
  w.str(id)
  w.str(instance)
  w.str(capturedAtNs)
  w.str(req.route)
  w.str(req.method)
  const { path, query } = splitAndRedactUrl(req.url, rules.redactQuery)
  w.str(path)
  w.str(query)
  rules.headers.writeRequest(w, req.headers)
  w.f64(req.body.length)
  w.str(req.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(req.body).digest('hex'))
  w.str(callerIdentity(req, rules.identityHeader, rules.identityRedacted))
  writeOutcome(w, pair.primary, rules, bodies?.primary, undefined)
  writeOutcome(w, pair.shadow, rules, bodies?.shadow, pair.primary)
  const fingerprint = rules.rulesFingerprints.get(req.route)
  if (fingerprint === undefined) w.u8(0)
  else {
    w.u8(1)
    w.str(fingerprint)
  }
  w.u8(pair.served === 'new' ? 1 : 0)
  return id
}
