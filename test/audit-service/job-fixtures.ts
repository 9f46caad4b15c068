import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import {
  AUDIT_JOB_VERSION,
  DEFAULT_COMPARE_HEADERS,
  parsePathPattern,
  type ArrayRule,
  type AuditJob,
  type CapturedError,
  type CapturedOutcome,
  type CapturedResponse,
  type EncodedBody,
  type RouteAuditConfig,
  type ToleranceRule,
  type UpstreamErrorKind,
} from '@shadowgate/shared'
import type { JudgeLimits } from '../../audit-service/src/verdict/judge-limits.js'

/** How a body travels on the queue (the transport encoding of EncodedBody). */
export type Transport = EncodedBody['encoding']
/** An HTTP content-encoding applied by the upstream; `deflate-raw` is deflate without the zlib wrapper. */
export type ContentCoding = 'gzip' | 'br' | 'deflate' | 'deflate-raw'

export function compress(bytes: Buffer, coding: ContentCoding): Buffer {
  if (coding === 'gzip') return gzipSync(bytes)
  // Quality 5: the default (11) takes seconds on the large fixtures and tests nothing more.
  if (coding === 'br') return brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
  if (coding === 'deflate') return deflateSync(bytes)
  return deflateRawSync(bytes)
}

/** Packs bytes for the queue the way the gateway does. */
export function encodeBody(bytes: Buffer, transport: Transport = 'base64', truncated = false): EncodedBody {
  if (transport === 'utf8') return { encoding: 'utf8', data: bytes.toString('utf8'), size: bytes.length, truncated }
  if (transport === 'base64') return { encoding: 'base64', data: bytes.toString('base64'), size: bytes.length, truncated }
  return { encoding: 'gzip+base64', data: gzipSync(bytes).toString('base64'), size: bytes.length, truncated }
}

export interface ResponseOptions {
  readonly status?: number
  readonly headers?: Record<string, string | string[]>
  /** Compresses the body and sets content-encoding (`deflate-raw` is sent as `deflate`). */
  readonly contentEncoding?: ContentCoding
  readonly transport?: Transport
  readonly truncated?: boolean
  readonly latencyMs?: number
}

/** A captured response with raw body bytes (or text, taken as UTF-8). */
export function response(body: Buffer | string, opts: ResponseOptions = {}): CapturedResponse {
  let bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const headers: Record<string, string | string[]> = { ...(opts.headers ?? {}) }
  if (opts.contentEncoding !== undefined) {
    bytes = compress(bytes, opts.contentEncoding)
    headers['content-encoding'] = opts.contentEncoding === 'deflate-raw' ? 'deflate' : opts.contentEncoding
  }
  const transport = opts.transport ?? (opts.contentEncoding === undefined && typeof body === 'string' ? 'utf8' : 'base64')
  return { kind: 'response', status: opts.status ?? 200, headers, body: encodeBody(bytes, transport, opts.truncated ?? false), latencyMs: opts.latencyMs ?? 5 }
}

/** A JSON response (`application/json`); a string body is taken as JSON text verbatim. */
export function jsonResponse(value: unknown, opts: ResponseOptions = {}): CapturedResponse {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return response(text, { ...opts, headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) } })
}

export function textResponse(text: string, opts: ResponseOptions = {}): CapturedResponse {
  return response(text, { ...opts, headers: { 'content-type': 'text/plain; charset=utf-8', ...(opts.headers ?? {}) } })
}

export function binaryResponse(bytes: Buffer, opts: ResponseOptions = {}): CapturedResponse {
  return response(bytes, { ...opts, headers: { 'content-type': 'application/octet-stream', ...(opts.headers ?? {}) } })
}

/** A side that produced no response. */
export function failure(error: UpstreamErrorKind, latencyMs = 5): CapturedError {
  return { kind: 'error', error, message: `upstream ${error}`, latencyMs }
}

let sequence = 0

/** An audit job for a pair; ids and capture times are unique per call. */
export function makeJob(primary: CapturedOutcome, shadow: CapturedOutcome, opts: { route?: string; method?: string; path?: string } = {}): AuditJob {
  sequence++
  return {
    v: AUDIT_JOB_VERSION,
    id: `job-${sequence}`,
    instance: 'gw-test',
    capturedAtNs: String(1_700_000_000_000_000_000n + BigInt(sequence)),
    route: opts.route ?? 'orders',
    request: {
      method: opts.method ?? 'GET',
      path: opts.path ?? '/orders/1',
      query: '',
      headers: { accept: 'application/json' },
      bodySize: 0,
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      caller: '127.0.0.1',
    },
    primary,
    shadow,
  }
}

/** Route audit rules written the way a config file writes them. */
export interface RuleSpec {
  readonly ignore?: readonly string[]
  readonly ignoreHeaders?: readonly string[]
  readonly compareHeaders?: readonly string[]
  readonly arrays?: Readonly<Record<string, string>>
  readonly tolerance?: Readonly<Record<string, { absolute?: number; relative?: number }>>
  readonly numbers?: RouteAuditConfig['numbers']
}

export function auditRules(spec: RuleSpec = {}): RouteAuditConfig {
  const arrays: ArrayRule[] = Object.entries(spec.arrays ?? {}).map(([p, mode]) => ({
    path: parsePathPattern(p),
    mode: mode.startsWith('keyed:') ? { mode: 'keyed', key: mode.slice('keyed:'.length) } : { mode: mode as 'ordered' | 'unordered' },
  }))
  const tolerance: ToleranceRule[] = Object.entries(spec.tolerance ?? {}).map(([p, t]) => ({ path: parsePathPattern(p), absolute: t.absolute, relative: t.relative }))
  return {
    percent: 100,
    ignore: (spec.ignore ?? []).map((p) => parsePathPattern(p)),
    ignoreHeaders: spec.ignoreHeaders ?? [],
    compareHeaders: spec.compareHeaders ?? DEFAULT_COMPARE_HEADERS,
    arrays,
    tolerance,
    numbers: spec.numbers ?? 'value',
  }
}

/** Generous limits, as a worker would have them by default. */
export function testLimits(overrides: Partial<JudgeLimits> = {}): JudgeLimits {
  return { maxDecodedBytes: 16 * 1_048_576, maxJsonDepth: 512, diffTimeoutMs: 10_000, ...overrides }
}
