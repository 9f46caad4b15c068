import { JobSchemaError } from './errors.js'
import { AUDIT_JOB_VERSION, type AuditJob, type CapturedHeaders, type CapturedOutcome, type EncodedBody } from './job-schema.js'

/**
 * The bytes of a binary audit batch (format `sg-pairs-1`): the pairs one after the other, every
 * field of an AuditJob in a fixed order, so nothing but the values travels (no field names, no
 * quotes to escape, no base64) and a body's bytes are copied once, as they are.
 *
 *   batch    = u32 count, pair × count
 *   pair     = str id, str instance, str capturedAtNs, str route, request, outcome primary,
 *              outcome shadow, u8 has-fingerprint [str rulesFingerprint], u8 served (0 old, 1 new)
 *   request  = str method, str path, str query, headers, f64 bodySize, str bodySha256, str caller
 *   outcome  = u8 0 (response): u16 status, headers, f64 latencyMs, body
 *            | u8 1 (error): str error, str message, f64 latencyMs
 *   body     = u8 encoding (0 raw, 1 gzip, 2 same-as-primary, 3 utf8, 4 base64, 5 gzip+base64),
 *              u8 truncated, f64 size, bytes data (0-2) | str data (3-5)
 *   headers  = u32 n, (str name, u8 0 str value | u8 1 u32 m str × m) × n
 *   str      = bytes of UTF-8;  bytes = u32 length, length bytes;  integers big-endian
 *
 * The encoder takes pairs that passed checkAuditJob (the gateway's bodies are in byte form); the decoder trusts
 * nothing: it checks every length against what is left and gives plain objects for parseAuditJob.
 */
export const AUDIT_BATCH_CODEC = 'sg-pairs-1'

/** Body encodings by their code; the byte forms are what gateways send, the text forms round-trip any other job. */
const BODY_ENCODINGS = ['raw', 'gzip', 'same-as-primary', 'utf8', 'base64', 'gzip+base64'] as const
const SAME_AS_PRIMARY_CODE = 2
/** Room for one pair beyond its bodies: headers, strings, lengths, numbers, flags (more is grown into, at the price of a copy). */
const PAIR_OVERHEAD = 1024

class Writer {
  buf: Buffer
  off = 0
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }

  room(n: number): void {
    if (this.off + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n))
    this.buf.copy(next, 0, 0, this.off)
    this.buf = next
  }

  u8(v: number): void {
    this.room(1)
    this.buf[this.off++] = v
  }

  u16(v: number): void {
    this.room(2)
    this.off = this.buf.writeUInt16BE(v, this.off)
  }

  u32(v: number): void {
    this.room(4)
    this.off = this.buf.writeUInt32BE(v, this.off)
  }

  f64(v: number): void {
    this.room(8)
    this.off = this.buf.writeDoubleBE(v, this.off)
  }

  str(s: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: with that much room nothing is cut.
    this.room(4 + s.length * 3)
    const start = this.off + 4
    // One native write per string. A copy loop in JS reads every character through a property load
    // that the gateway's many string representations (parsed, sliced, concatenated) make megamorphic,
    // which costs more than the call.
    const n = this.buf.write(s, start)
    this.buf.writeUInt32BE(n, this.off)
    this.off = start + n
  }

  bytes(b: Uint8Array): void {
    this.room(4 + b.length)
    this.off = this.buf.writeUInt32BE(b.length, this.off)
    this.buf.set(b, this.off)
    this.off += b.length
  }

  headers(h: CapturedHeaders): void {
    const names = Object.keys(h)
    this.u32(names.length)
    for (const name of names) {
      this.str(name)
      const v = h[name] as string | readonly string[]
      if (typeof v === 'string') {
        this.u8(0)
        this.str(v)
      } else {
        this.u8(1)
        this.u32(v.length)
        for (const x of v) this.str(x)
      }
    }
  }

  body(b: EncodedBody): void {
    const enc = BODY_ENCODINGS.indexOf(b.encoding)
    if (enc < 0) throw new JobSchemaError(`unknown body encoding ${JSON.stringify(b.encoding)}`)
    this.u8(enc)
    this.u8(b.truncated ? 1 : 0)
    this.f64(b.size)
    if (b.data instanceof Uint8Array) this.bytes(b.data)
    else if (enc === SAME_AS_PRIMARY_CODE) this.u32(0)
    else this.str(b.data)
  }

  outcome(o: CapturedOutcome): void {
    if (o.kind === 'response') {
      this.u8(0)
      this.u16(o.status)
      this.headers(o.headers)
      this.f64(o.latencyMs)
      this.body(o.body)
    } else {
      this.u8(1)
      this.str(o.error)
      this.str(o.message)
      this.f64(o.latencyMs)
    }
  }
}

/** Room a body takes at most: its bytes, or three bytes of UTF-8 per character of text. */
function bodyBytes(o: CapturedOutcome): number {
  if (o.kind !== 'response') return 0
  return typeof o.body.data === 'string' ? o.body.data.length * 3 : o.body.data.length
}

/** The bytes of `pairs` (checked jobs). */
export function encodeAuditBatch(pairs: readonly AuditJob[]): Buffer {
  let estimate = 4
  for (const p of pairs) estimate += PAIR_OVERHEAD + bodyBytes(p.primary) + bodyBytes(p.shadow) + p.request.path.length + p.request.query.length
  const w = new Writer(estimate)
  w.u32(pairs.length)
  for (const p of pairs) {
    w.str(p.id)
    w.str(p.instance)
    w.str(p.capturedAtNs)
    w.str(p.route)
    const r = p.request
    w.str(r.method)
    w.str(r.path)
    w.str(r.query)
    w.headers(r.headers)
    w.f64(r.bodySize)
    w.str(r.bodySha256)
    w.str(r.caller)
    w.outcome(p.primary)
    w.outcome(p.shadow)
    if (p.rulesFingerprint === undefined) w.u8(0)
    else {
      w.u8(1)
      w.str(p.rulesFingerprint)
    }
    w.u8(p.served === 'new' ? 1 : 0)
  }
  return w.buf.subarray(0, w.off)
}

class Reader {
  readonly #buf: Buffer
  #off = 0
  constructor(buf: Buffer) {
    this.#buf = buf
  }

  get done(): boolean {
    return this.#off === this.#buf.length
  }

  #need(n: number): number {
    const at = this.#off
    if (n > this.#buf.length - at) throw new JobSchemaError(`batch bytes end early (${n} bytes wanted at offset ${at} of ${this.#buf.length})`)
    this.#off = at + n
    return at
  }

  u8(): number {
    return this.#buf[this.#need(1)] as number
  }

  u16(): number {
    return this.#buf.readUInt16BE(this.#need(2))
  }

  u32(): number {
    return this.#buf.readUInt32BE(this.#need(4))
  }

  f64(): number {
    return this.#buf.readDoubleBE(this.#need(8))
  }

  str(): string {
    const n = this.u32()
    const at = this.#need(n)
    return this.#buf.toString('utf8', at, at + n)
  }

  bytes(): Buffer {
    const n = this.u32()
    const at = this.#need(n)
    return this.#buf.subarray(at, at + n)
  }

  headers(): CapturedHeaders {
    const n = this.u32()
    // No prototype: a header named __proto__ stays a header.
    const h = Object.create(null) as Record<string, string | readonly string[]>
    for (let i = 0; i < n; i++) {
      const name = this.str()
      const kind = this.u8()
      if (kind === 0) h[name] = this.str()
      else if (kind === 1) {
        const m = this.u32()
        const values: string[] = []
        for (let k = 0; k < m; k++) values.push(this.str())
        h[name] = values
      } else throw new JobSchemaError(`batch bytes: header ${JSON.stringify(name)} has an unknown value kind ${kind}`)
    }
    return h
  }

  body(): EncodedBody | Record<string, unknown> {
    const code = this.u8()
    const encoding = BODY_ENCODINGS[code]
    if (encoding === undefined) throw new JobSchemaError(`batch bytes: unknown body encoding ${code}`)
    const truncated = this.u8() !== 0
    const size = this.f64()
    if (code > SAME_AS_PRIMARY_CODE) return { encoding, data: this.str(), size, truncated }
    const data = this.bytes()
    return code === SAME_AS_PRIMARY_CODE ? { encoding, data: '', size, truncated } : { encoding, data, size, truncated }
  }

  outcome(): Record<string, unknown> {
    const kind = this.u8()
    if (kind === 0) {
      const status = this.u16()
      const headers = this.headers()
      const latencyMs = this.f64()
      return { kind: 'response', status, headers, body: this.body(), latencyMs }
    }
    if (kind === 1) return { kind: 'error', error: this.str(), message: this.str(), latencyMs: this.f64() }
    throw new JobSchemaError(`batch bytes: unknown outcome kind ${kind}`)
  }
}

/**
 * The pairs of a batch's bytes, unchecked (each still goes through parseAuditJob), bodies as views
 * of `bytes`. Throws JobSchemaError when the bytes are not `count` well-formed pairs.
 */
export function decodeAuditBatch(bytes: Uint8Array, count: number): unknown[] {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  const n = r.u32()
  if (n !== count) throw new JobSchemaError(`batch bytes hold ${n} pairs, batch.count says ${count}`)
  const pairs: unknown[] = []
  for (let i = 0; i < n; i++) {
    const id = r.str()
    const instance = r.str()
    const capturedAtNs = r.str()
    const route = r.str()
    const request = { method: r.str(), path: r.str(), query: r.str(), headers: r.headers(), bodySize: r.f64(), bodySha256: r.str(), caller: r.str() }
    const primary = r.outcome()
    const shadow = r.outcome()
    const pair: Record<string, unknown> = { v: AUDIT_JOB_VERSION, id, instance, capturedAtNs, route, request, primary, shadow }
    if (r.u8() === 1) pair['rulesFingerprint'] = r.str()
    const served = r.u8()
    if (served > 1) throw new JobSchemaError(`batch bytes: pair ${i} has an unknown served side ${served}`)
    pair['served'] = served === 1 ? 'new' : 'old'
    pairs.push(pair)
  }
  if (!r.done) throw new JobSchemaError('batch bytes go on past their last pair')
  return pairs
}
