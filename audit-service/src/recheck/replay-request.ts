import type { AuditJob, CapturedHeaders, CapturedOutcome, CapturedRequest, UpstreamErrorKind } from '@shadowgate/shared'
import { request, type Dispatcher } from 'undici'

/** Marker every copy carries (the gateway's loop guard) and the header naming a worker's own call. */
export const MIRROR_MARKER_HEADER = 'x-shadowgate-mirror'
export const RECHECK_HEADER = 'x-shadowgate-recheck'
export const NOISE_HEADER = 'x-shadowgate-noise'

/** Methods a worker may send again on its own: they change nothing on either side. */
export const SAFE_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS']

const REDACTED = '[redacted]'
// Never replayed as captured: connection-level headers, and the length of a body that is not sent.
const DROPPED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'trailer', 'proxy-connection', 'content-length', 'expect'])

export interface ReplayOptions {
  readonly timeoutMs: number
  /** Body bytes read; beyond, the answer is flagged truncated (and judged `skipped/truncated`). */
  readonly maxBodyBytes: number
  /** Headers of the route's re-check config (credentials), set after the captured ones. */
  readonly headers: Readonly<Record<string, string>>
  /** `x-shadowgate-recheck` or `x-shadowgate-noise`. */
  readonly purposeHeader: string
  readonly dispatcher?: Dispatcher
}

/**
 * Why a captured request cannot be sent again by the worker, or undefined when it can: only safe
 * methods, without a body (the audit keeps its hash, not its bytes), and without redacted query
 * values (sending `[redacted]` would ask for something else).
 */
export function unreplayableReason(req: CapturedRequest): string | undefined {
  if (!SAFE_METHODS.includes(req.method.toUpperCase())) return 'method'
  if (req.bodySize > 0) return 'request_body'
  if (req.query.includes('%5Bredacted%5D') || req.query.includes(REDACTED)) return 'redacted_query'
  return undefined
}

/** The headers a replay sends: the captured ones minus redacted values, then the route's own, then the markers. */
export function replayHeaders(captured: CapturedHeaders, opts: Pick<ReplayOptions, 'headers' | 'purposeHeader'>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(captured)) {
    if (DROPPED.has(name)) continue
    const values = typeof value === 'string' ? [value] : value.filter((v) => v !== REDACTED)
    if (values.length === 0 || values.includes(REDACTED)) continue
    out[name] = values.join(', ')
  }
  Object.assign(out, opts.headers)
  out[MIRROR_MARKER_HEADER] = '1'
  out[opts.purposeHeader] = '1'
  return out
}

function errorKind(err: unknown, timedOut: boolean): UpstreamErrorKind {
  if (timedOut) return 'timeout'
  const code = (err as { code?: unknown }).code
  if (code === 'ECONNREFUSED') return 'refused'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'reset'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns'
  return 'other'
}

function headerRecord(h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = v
  return out
}

/**
 * Sends a captured request again to one upstream and returns its answer in the shape of a captured
 * outcome, so the judge compares it like any pair. Never throws; bounded by `timeoutMs` and
 * `maxBodyBytes`.
 */
export async function replayRequest(origin: string, req: CapturedRequest, opts: ReplayOptions): Promise<CapturedOutcome> {
  const started = performance.now()
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, opts.timeoutMs)
  timer.unref()
  const url = new URL(req.path + (req.query ? `?${req.query}` : ''), origin)
  try {
    const res = await request(url, {
      method: req.method.toUpperCase() as Dispatcher.HttpMethod,
      headers: replayHeaders(req.headers, opts),
      signal: controller.signal,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    })
    const chunks: Buffer[] = []
    let size = 0
    let truncated = false
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const room = opts.maxBodyBytes - size
      if (chunk.length > room) {
        if (room > 0) chunks.push(chunk.subarray(0, room))
        size += Math.max(room, 0)
        truncated = true
        break
      }
      chunks.push(chunk)
      size += chunk.length
    }
    if (truncated) res.body.destroy()
    const body = Buffer.concat(chunks)
    return {
      kind: 'response',
      status: res.statusCode,
      headers: headerRecord(res.headers),
      body: { encoding: 'base64', data: body.toString('base64'), size: body.length, truncated },
      latencyMs: performance.now() - started,
    }
  } catch (err) {
    return { kind: 'error', error: errorKind(err, timedOut), message: String((err as Error).message).slice(0, 1_000), latencyMs: performance.now() - started }
  } finally {
    clearTimeout(timer)
  }
}

/** A pair made of two replayed answers, judged like a captured one (same id, route and request). */
export function replayedPair(original: AuditJob, primary: CapturedOutcome, shadow: CapturedOutcome): AuditJob {
  return { ...original, primary, shadow }
}
