import { JobSchemaError } from './errors.js'
import type { AuditJob, CapturedHeaders, CapturedOutcome, EncodedBody } from './job-schema.js'

/**
 * The bytes of a binary audit batch (format `sg-pairs-2`): the pairs one after the other, every
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
 *   headers  = u32 n, (str name, str value) × n
 *   str      = bytes of UTF-8;  bytes = u32 length, length bytes;  integers big-endian
 *
 * Headers travel as header lines, in the order they were sent and with their names as spelled: a
 * repeated header is one line per value. The reader lower-cases the names and gathers a repeated
 * name's values into an array, in order (CapturedHeaders). So a gateway writes what it saw without
 * building a record per pair, and the worker, which scales out, does that work.
 *
 * Format `sg-pairs-1` (older gateways) differs only in its headers: u32 n, (str name, u8 0 str value |
 * u8 1 u32 m str × m) × n, names already lower-cased and gathered.
 */
export const AUDIT_BATCH_CODEC = 'sg-pairs-2'
/** The format of older gateways' batches, still read. */
export const AUDIT_BATCH_CODEC_V1 = 'sg-pairs-1'

/** Body encodings by their code; the byte forms are what gateways send, the text forms round-trip any other job. */
export const BODY_ENCODINGS = ['raw', 'gzip', 'same-as-primary', 'utf8', 'base64', 'gzip+base64'] as const
/** The codes of the byte forms, for byteBody. */
export const RAW_CODE = BODY_ENCODINGS.indexOf('raw')
export const GZIP_CODE = BODY_ENCODINGS.indexOf('gzip')
export const SAME_AS_PRIMARY_CODE = BODY_ENCODINGS.indexOf('same-as-primary')
/** Room for one pair beyond its bodies: headers, strings, lengths, numbers, flags (more is grown into, at the price of a copy). */
export const PAIR_OVERHEAD = 1024

/**
 * Writes the values of a batch in the grammar above. Gateways write their pairs with it straight
 * from what they captured; encodeAuditBatch writes checked AuditJobs with it.
 */
export class AuditBatchWriter {
  buf: Buffer
  off = 0

  /** `size`: the bytes expected; the buffer grows past it when needed. */
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 64))
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

  /** Writes `v` at `at`, a place reserved earlier (a count known only once its items are written). */
  u32At(at: number, v: number): void {
    this.buf.writeUInt32BE(v, at)
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

  /** A body in byte form (`raw` 0, `gzip` 1) or the same-as-primary reference (2, no data). */
  byteBody(code: number, truncated: boolean, size: number, data: Uint8Array | undefined): void {
    this.u8(code)
    this.u8(truncated ? 1 : 0)
    this.f64(size)
    if (data === undefined) this.u32(0)
    else this.bytes(data)
  }

  /**
   * The header lines of one name: one per value, each value replaced by `replacement` when given
   * (a redacted header keeps its count of values). Returns how many lines it wrote.
   */
  headerValues(name: string, value: string | readonly string[], replacement?: string): number {
    if (typeof value === 'string') {
      this.str(name)
      this.str(replacement ?? value)
      return 1
    }
    for (const v of value) {
      this.str(name)
      this.str(replacement ?? v)
    }
    return value.length
  }

  /** A record's headers as header lines (one per value). */
  headers(h: CapturedHeaders): void {
    const at = this.off
    this.u32(0)
    let n = 0
    for (const name of Object.keys(h)) n += this.headerValues(name, h[name] as string | readonly string[])
    this.u32At(at, n)
  }

  body(b: EncodedBody): void {
    const enc = BODY_ENCODINGS.indexOf(b.encoding)
    if (enc < 0) throw new JobSchemaError(`unknown body encoding ${JSON.stringify(b.encoding)}`)
    if (b.data instanceof Uint8Array) return this.byteBody(enc, b.truncated, b.size, b.data)
    if (enc === SAME_AS_PRIMARY_CODE) return this.byteBody(enc, b.truncated, b.size, undefined)
    this.u8(enc)
    this.u8(b.truncated ? 1 : 0)
    this.f64(b.size)
    this.str(b.data)
  }

  outcome(o: CapturedOutcome): void {
    if (o.kind === 'response') {
      this.u8(0)
      this.u16(o.status)
      this.headers(o.headers)
      this.f64(o.latencyMs)
      this.body(o.body)
    } else this.error(o.error, o.message, o.latencyMs)
  }

  error(kind: string, message: string, latencyMs: number): void {
    this.u8(1)
    this.str(kind)
    this.str(message)
    this.f64(latencyMs)
  }

  /** The bytes written so far (a view, not a copy). */
  done(): Buffer {
    return this.buf.subarray(0, this.off)
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
  const w = new AuditBatchWriter(estimate)
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
  return w.done()
}
