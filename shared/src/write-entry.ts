/**
 * The write log's entries as they sit in a Redis stream (flat field/value strings): the contract
 * between the gateways that append them and the replayers that read them. Everything read back is
 * untrusted (an operator may XADD by hand), so decoding validates every field and names what is wrong.
 */

/** Where a route's writes go: old side only, old side and logged, logged and replayed, or new side. */
export const WRITE_STAGES = ['old', 'record', 'replay', 'final'] as const
export type WriteStage = (typeof WRITE_STAGES)[number]

export function isWriteStage(v: unknown): v is WriteStage {
  return typeof v === 'string' && (WRITE_STAGES as readonly string[]).includes(v)
}

/** Which side served the write (and so which side the replayer sends it to: the other one). */
export type WriteSide = 'old' | 'new'

/** Why writes were not logged: Redis did not answer, the body was over the limit, the log was full. */
export const WRITE_GAP_REASONS = ['redis_unavailable', 'body_too_large', 'log_full'] as const
export type WriteGapReason = (typeof WRITE_GAP_REASONS)[number]

export interface WriteIntent {
  readonly type: 'intent'
  /** Idempotency key: sent to the serving side and again with every replay. */
  readonly key: string
  readonly method: string
  /** Path and query as forwarded. */
  readonly target: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
  readonly side: WriteSide
  readonly instance: string
  /** Epoch ms when the intent was appended. */
  readonly at: number
}

export interface WriteGap {
  readonly type: 'gap'
  readonly reason: WriteGapReason
  readonly count: number
  readonly from: number
  readonly to: number
  readonly instance: string
}

export type WriteLogEntry = WriteIntent | WriteGap

/** An entry that does not follow the contract: counted and listed, never replayed. */
export interface MalformedWriteEntry {
  readonly type: 'malformed'
  readonly problem: string
}

export function encodeWriteEntry(e: WriteLogEntry): string[] {
  if (e.type === 'gap') return ['t', 'gap', 'r', e.reason, 'c', String(e.count), 'f', String(e.from), 'to', String(e.to), 'i', e.instance]
  return ['t', 'intent', 'k', e.key, 'm', e.method, 'u', e.target, 'h', JSON.stringify(e.headers), 'b', e.body.toString('base64'), 's', e.side, 'i', e.instance, 'a', String(e.at)]
}

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/
const KEY = /^[\w.:-]{1,128}$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function fieldsOf(raw: unknown): Map<string, string> | string {
  if (!Array.isArray(raw) || raw.length % 2 !== 0) return 'fields are not name/value pairs'
  const out = new Map<string, string>()
  for (let i = 0; i < raw.length; i += 2) {
    const k: unknown = raw[i]
    const v: unknown = raw[i + 1]
    if (typeof k !== 'string' || typeof v !== 'string') return 'fields are not strings'
    out.set(k, v)
  }
  return out
}

function wholeNumber(f: Map<string, string>, name: string): number | undefined {
  const v = f.get(name)
  if (v === undefined || !/^\d{1,16}$/.test(v)) return undefined
  return Number(v)
}

function decodeHeaders(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined
  try {
    const v = JSON.parse(text) as unknown
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined
    const out: Record<string, string> = {}
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string' || !METHOD.test(k)) return undefined
      out[k] = x
    }
    return out
  } catch {
    return undefined
  }
}

/** Decodes a stream entry's fields (ioredis' flat array); never throws. */
export function decodeWriteEntry(raw: unknown): WriteLogEntry | MalformedWriteEntry {
  const f = fieldsOf(raw)
  if (typeof f === 'string') return { type: 'malformed', problem: f }
  const bad = (problem: string): MalformedWriteEntry => ({ type: 'malformed', problem })
  const t = f.get('t')
  const instance = f.get('i') ?? ''
  if (t === 'gap') {
    const reason = f.get('r')
    if (!(WRITE_GAP_REASONS as readonly (string | undefined)[]).includes(reason)) return bad(`gap reason ${JSON.stringify(reason)} is not one of ${WRITE_GAP_REASONS.join(', ')}`)
    const count = wholeNumber(f, 'c')
    const from = wholeNumber(f, 'f')
    const to = wholeNumber(f, 'to')
    if (count === undefined || from === undefined || to === undefined) return bad('gap needs whole numbers c, f and to')
    return { type: 'gap', reason: reason as WriteGapReason, count, from, to, instance }
  }
  if (t !== 'intent') return bad(`entry type ${JSON.stringify(t)} is neither intent nor gap`)
  const key = f.get('k')
  if (key === undefined || !KEY.test(key)) return bad('intent needs an idempotency key k of 1-128 word characters')
  const method = f.get('m')
  if (method === undefined || !METHOD.test(method)) return bad('intent needs an HTTP method m')
  const target = f.get('u')
  if (target === undefined || !target.startsWith('/')) return bad('intent needs a target u starting with "/"')
  const headers = decodeHeaders(f.get('h'))
  if (headers === undefined) return bad('intent headers h must be a JSON object of strings')
  const body = f.get('b') ?? ''
  if (!BASE64.test(body)) return bad('intent body b must be base64')
  const side = f.get('s')
  if (side !== 'old' && side !== 'new') return bad('intent side s must be old or new')
  const at = wholeNumber(f, 'a')
  if (at === undefined) return bad('intent needs a time a in epoch ms')
  return { type: 'intent', key, method: method.toUpperCase(), target, headers, body: Buffer.from(body, 'base64'), side, instance, at }
}

/** The serving side's answer to an intent: what the replayer compares the other side's answer with. */
export interface WriteOutcome {
  readonly status: number
  readonly latencyMs: number
}

export function encodeWriteOutcome(o: WriteOutcome): string {
  return `${o.status} ${Math.round(o.latencyMs)}`
}

export function decodeWriteOutcome(text: unknown): WriteOutcome | undefined {
  if (typeof text !== 'string') return undefined
  const m = /^(\d{1,3}) (\d{1,12})$/.exec(text)
  if (!m) return undefined
  return { status: Number(m[1]), latencyMs: Number(m[2]) }
}

/** Status 0 in an outcome: the serving side gave no complete answer (error or timeout). */
export const NO_ANSWER_STATUS = 0
