import { JobSchemaError, JobVersionError } from './errors.js'
import type { ServedSide } from './migration-stage.js'

/** Version of the audit job payload. Bumped on any incompatible change; workers reject versions they do not know. */
export const AUDIT_JOB_VERSION = 1

/**
 * A shadow body byte-identical to the primary's (the common case of a healthy migration) travels as
 * this reference instead of a second copy: half the bytes to serialise, send and store. Only the
 * shadow's body may use it, only when the primary is a response; parseAuditJob replaces it with the
 * primary's body, so nothing downstream of parsing ever sees it.
 */
export const SAME_AS_PRIMARY = 'same-as-primary'

/**
 * A body as it travels on the queue, in one of two forms. Text form (`data` a string), the only one a
 * JSON document can hold: `utf8` for text that is valid UTF-8, `base64` for anything else,
 * `gzip+base64` when compressing paid off. Byte form (`data` the bytes), which only a binary batch
 * (AUDIT_BATCH_VERSION 2, see audit-batch.ts) carries: `raw` for the bytes as captured, `gzip` when
 * compressing paid off. Either way `same-as-primary` (data `''`) stands for a shadow body identical
 * to the primary's (see SAME_AS_PRIMARY). `size` is the byte length of the captured body before
 * compression; `truncated` says the capture stopped at the configured limit and the rest of the body
 * was not seen.
 */
export type EncodedBody = TextEncodedBody | BinaryEncodedBody

export interface TextEncodedBody {
  readonly encoding: 'utf8' | 'base64' | 'gzip+base64' | typeof SAME_AS_PRIMARY
  readonly data: string
  readonly size: number
  readonly truncated: boolean
}

export interface BinaryEncodedBody {
  readonly encoding: 'raw' | 'gzip'
  readonly data: Uint8Array
  readonly size: number
  readonly truncated: boolean
}

/** Body encodings whose data is bytes: never in a JSON document, only in a binary batch. */
export const BINARY_BODY_ENCODINGS: readonly string[] = ['raw', 'gzip']

/** Header values as captured: lower-cased names; repeated headers keep every value. */
export type CapturedHeaders = Readonly<Record<string, string | readonly string[]>>

export interface CapturedRequest {
  readonly method: string
  /** Path without the query string. Never used as a metric tag. */
  readonly path: string
  /** Query string without the leading `?`, with configured parameters redacted. */
  readonly query: string
  readonly headers: CapturedHeaders
  readonly bodySize: number
  /** Hex SHA-256 of the request body as received (empty body → hash of nothing). */
  readonly bodySha256: string
  /** Caller identity: the configured header's value, else the client IP. */
  readonly caller: string
}

export interface CapturedResponse {
  readonly kind: 'response'
  readonly status: number
  readonly headers: CapturedHeaders
  readonly body: EncodedBody
  readonly latencyMs: number
}

/** Why an upstream produced no response. */
export type UpstreamErrorKind = 'timeout' | 'refused' | 'reset' | 'dns' | 'aborted' | 'too_large' | 'other'

export const UPSTREAM_ERROR_KINDS: readonly UpstreamErrorKind[] = ['timeout', 'refused', 'reset', 'dns', 'aborted', 'too_large', 'other']

export interface CapturedError {
  readonly kind: 'error'
  readonly error: UpstreamErrorKind
  readonly message: string
  readonly latencyMs: number
}

export type CapturedOutcome = CapturedResponse | CapturedError

/** One mirrored request with both answers: the unit the audit worker judges. */
export interface AuditJob {
  readonly v: typeof AUDIT_JOB_VERSION
  /** Correlation id of the pair; also the BullMQ job id, so a duplicate enqueue is a no-op. */
  readonly id: string
  /** Gateway instance that captured the pair. */
  readonly instance: string
  /** Capture time in epoch nanoseconds as a decimal string, unique per instance (see UniqueClock). */
  readonly capturedAtNs: string
  /** Route rule name: the `route` label everywhere downstream. */
  readonly route: string
  readonly request: CapturedRequest
  /** The old side's answer (the side that served before the migration), whichever side served. */
  readonly primary: CapturedOutcome
  /** The new side's answer. */
  readonly shadow: CapturedOutcome
  /**
   * auditRulesFingerprint of the route's audit rules in the capturing gateway's config. Optional:
   * older gateways do not send it, and a worker then judges without checking.
   */
  readonly rulesFingerprint?: string
  /**
   * Which side answered the client; absent means `old` (jobs from gateways that predate stages).
   * `primary`/`shadow` stay old/new either way, so a diff's `added` always means "the new side has it".
   */
  readonly served?: ServedSide
}

function fail(path: string, constraint: string): never {
  throw new JobSchemaError(`${path ? `job.${path}` : 'job'} ${constraint}`)
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function str(o: Record<string, unknown>, k: string, path: string): string {
  const v = o[k]
  if (typeof v !== 'string') fail(`${path}${k}`, 'must be a string')
  return v
}

function num(o: Record<string, unknown>, k: string, path: string): number {
  const v = o[k]
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}${k}`, 'must be a finite number')
  return v
}

function headers(o: Record<string, unknown>, k: string, path: string): void {
  const h = o[k]
  if (!isObj(h)) fail(`${path}${k}`, 'must be an object')
  for (const [name, value] of Object.entries(h)) {
    if (typeof value === 'string') continue
    if (Array.isArray(value) && value.every((x) => typeof x === 'string')) continue
    fail(`${path}${k}.${name}`, 'must be a string or an array of strings')
  }
}

function body(o: Record<string, unknown>, path: string, reference: boolean): void {
  const b = o['body']
  if (!isObj(b)) fail(`${path}body`, 'must be an object')
  const enc = b['encoding']
  if (enc === SAME_AS_PRIMARY) {
    if (!reference) fail(`${path}body.encoding`, `may be ${SAME_AS_PRIMARY} only on the shadow's body, when the primary is a response`)
  } else if (enc === 'raw' || enc === 'gzip') {
    if (!(b['data'] instanceof Uint8Array)) fail(`${path}body.data`, `must be bytes for encoding ${enc}`)
  } else if (enc !== 'utf8' && enc !== 'base64' && enc !== 'gzip+base64') fail(`${path}body.encoding`, `must be one of utf8, base64, gzip+base64, raw, gzip, ${SAME_AS_PRIMARY}`)
  if (enc !== 'raw' && enc !== 'gzip') str(b, 'data', `${path}body.`)
  num(b, 'size', `${path}body.`)
  if (typeof b['truncated'] !== 'boolean') fail(`${path}body.truncated`, 'must be a boolean')
}

/** `reference`: whether this outcome's body may be SAME_AS_PRIMARY. */
function outcome(o: Record<string, unknown>, k: string, reference: boolean): void {
  const v = o[k]
  if (!isObj(v)) fail(k, 'must be an object')
  const p = `${k}.`
  num(v, 'latencyMs', p)
  if (v['kind'] === 'response') {
    const status = num(v, 'status', p)
    if (!Number.isInteger(status) || status < 100 || status > 999) fail(`${p}status`, 'must be an HTTP status code')
    headers(v, 'headers', p)
    body(v, p, reference)
  } else if (v['kind'] === 'error') {
    const e = str(v, 'error', p)
    if (!(UPSTREAM_ERROR_KINDS as readonly string[]).includes(e)) fail(`${p}error`, `must be one of ${UPSTREAM_ERROR_KINDS.join(', ')}`)
    str(v, 'message', p)
  } else fail(`${p}kind`, 'must be "response" or "error"')
}

/**
 * Checks that `data` is an audit job of the version this code knows and returns it with a
 * SAME_AS_PRIMARY shadow body replaced by the primary's body. Throws JobSchemaError naming the
 * first field that is wrong; a worker turns that into a `skipped` verdict instead of crashing.
 */
export function parseAuditJob(data: unknown): AuditJob {
  checkAuditJob(data)
  const { primary, shadow } = data
  if (shadow.kind !== 'response' || shadow.body.encoding !== SAME_AS_PRIMARY || primary.kind !== 'response') return data
  return { ...data, shadow: { ...shadow, body: primary.body } }
}

/** The checks of parseAuditJob, without resolving a SAME_AS_PRIMARY body: for what is about to be sent. */
export function checkAuditJob(data: unknown): asserts data is AuditJob {
  if (!isObj(data)) fail('', 'must be an object')
  const v = data['v']
  if (v !== AUDIT_JOB_VERSION) {
    // A number is another version of the contract; anything else is not a job at all.
    if (typeof v === 'number') throw new JobVersionError(`job.v must be ${AUDIT_JOB_VERSION} (got ${v})`)
    fail('v', `must be ${AUDIT_JOB_VERSION} (got ${JSON.stringify(v)})`)
  }
  str(data, 'id', '')
  str(data, 'instance', '')
  const ts = str(data, 'capturedAtNs', '')
  if (!/^[0-9]{1,20}$/.test(ts)) fail('capturedAtNs', 'must be a decimal string of nanoseconds')
  str(data, 'route', '')
  const req = data['request']
  if (!isObj(req)) fail('request', 'must be an object')
  str(req, 'method', 'request.')
  str(req, 'path', 'request.')
  str(req, 'query', 'request.')
  headers(req, 'headers', 'request.')
  num(req, 'bodySize', 'request.')
  str(req, 'bodySha256', 'request.')
  str(req, 'caller', 'request.')
  const fp = data['rulesFingerprint']
  if (fp !== undefined && (typeof fp !== 'string' || !/^[0-9a-f]{16}$/.test(fp))) fail('rulesFingerprint', 'must be 16 lower-case hex digits when present')
  outcome(data, 'primary', false)
  outcome(data, 'shadow', isObj(data['primary']) && data['primary']['kind'] === 'response')
  const served = data['served']
  if (served !== undefined && served !== 'old' && served !== 'new') fail('served', 'must be "old" or "new" when present')
}

/** Whether a body is in byte form (see EncodedBody). */
export function isBinaryBody(body: EncodedBody): body is BinaryEncodedBody {
  return body.encoding === 'raw' || body.encoding === 'gzip'
}

function textBody(body: EncodedBody): TextEncodedBody {
  if (!isBinaryBody(body)) return body
  const data = Buffer.from(body.data.buffer, body.data.byteOffset, body.data.byteLength).toString('base64')
  return { encoding: body.encoding === 'raw' ? 'base64' : 'gzip+base64', data, size: body.size, truncated: body.truncated }
}

function textOutcome(o: CapturedOutcome): CapturedOutcome {
  return o.kind === 'response' && isBinaryBody(o.body) ? { ...o, body: textBody(o.body) } : o
}

/**
 * The job with every body in text form, for a JSON document (a re-check job keeps its pair as JSON):
 * the same bytes, as `base64` or `gzip+base64` instead of `raw` or `gzip`.
 */
export function withTextBodies(job: AuditJob): AuditJob {
  const primary = textOutcome(job.primary)
  const shadow = textOutcome(job.shadow)
  return primary === job.primary && shadow === job.shadow ? job : { ...job, primary, shadow }
}
