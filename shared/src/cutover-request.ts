/**
 * A cut-over asked for through Redis, by a process that cannot run one itself (the gate in an audit
 * worker): the asker pushes a request onto `cutoverRequestQueueKey`; every gateway with Redis polls
 * the queue, and the one that pops a request claims it with SET NX on `cutoverRequestClaimKey`
 * before running the coordinator, then writes the outcome under `cutoverRequestOutcomeKey`. An asker
 * that gives up takes the claim itself (SET NX too), so a request is run at most once and never
 * after its asker has recorded that it did not happen. Everything read back is validated here:
 * another process wrote it.
 */

/** Redis list of pending cut-over requests (JSON `CutoverRequestMessage`, oldest first). */
export function cutoverRequestQueueKey(prefix: string): string {
  return `${prefix}:cutover:requests`
}
/** Who took the request: a gateway instance id, or `CUTOVER_REQUEST_GIVEN_UP` when the asker gave up first. */
export function cutoverRequestClaimKey(prefix: string, id: string): string {
  return `${prefix}:cutover:request:${id}:claim`
}
/** The request's outcome (JSON `CutoverRequestOutcome`), written by the gateway that ran it. */
export function cutoverRequestOutcomeKey(prefix: string, id: string): string {
  return `${prefix}:cutover:request:${id}:outcome`
}

/** The claim value of a request whose asker stopped waiting for a gateway to take it. */
export const CUTOVER_REQUEST_GIVEN_UP = '-given-up-'
/** How long claims and outcomes are kept (the asker reads them within its bound, operators may look later). */
export const CUTOVER_REQUEST_TTL_MS = 86_400_000

const ID = /^[A-Za-z0-9._:-]{1,128}$/
const MAX_TEXT = 2_000

export interface CutoverRequestMessage {
  /** Unique per request; names its claim and outcome keys. */
  readonly id: string
  readonly route: string
  readonly to: 'final' | 'shadow'
  readonly reason: string
  /** Who asks (a stage change's `by`), e.g. `gate:<worker id>`. */
  readonly by: string
  /** Epoch ms by the asker's clock. */
  readonly requestedAt: number
}

export interface CutoverRequestOutcome {
  readonly id: string
  readonly route: string
  /** `committed`: the route moved on every live gateway; `aborted`: it did not (the coordinator refused or aborted). */
  readonly outcome: 'committed' | 'aborted'
  /** Why it aborted, or the request's reason when committed. */
  readonly reason: string
  /** The error code when the coordinator refused to start (e.g. SG_CUTOVER_TOO_SOON); null otherwise. */
  readonly code: string | null
  /** The gateway instance that ran it. */
  readonly instance: string
  /** The cut-over's epoch; null when it never started. */
  readonly epoch: number | null
  readonly at: number
}

function record(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function text(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT
}

function time(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0
}

export function isCutoverRequestId(v: unknown): v is string {
  return typeof v === 'string' && ID.test(v)
}

/** A request popped from the queue; undefined when it is not one. */
export function parseCutoverRequest(raw: string | null): CutoverRequestMessage | undefined {
  const v = raw === null ? undefined : record(raw)
  if (v === undefined) return undefined
  const { id, route, to, reason, by, requestedAt } = v
  if (!isCutoverRequestId(id) || !text(route) || (to !== 'final' && to !== 'shadow') || !text(reason) || !text(by) || !time(requestedAt)) return undefined
  return { id, route, to, reason, by, requestedAt }
}

/** An outcome read back for request `id`; undefined when it is not one (or belongs to another request). */
export function parseCutoverRequestOutcome(raw: string | null, id: string): CutoverRequestOutcome | undefined {
  const v = raw === null ? undefined : record(raw)
  if (v === undefined) return undefined
  const { route, outcome, reason, code, instance, epoch, at } = v
  if (v['id'] !== id || !text(route) || (outcome !== 'committed' && outcome !== 'aborted') || !text(reason) || !text(instance) || !time(at)) return undefined
  if (code !== null && !text(code)) return undefined
  if (epoch !== null && !(time(epoch) && Number.isInteger(epoch))) return undefined
  return { id, route, outcome, reason, code, instance, epoch, at }
}
