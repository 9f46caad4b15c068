import { JobSchemaError } from './errors.js'
import { AUDIT_JOB_VERSION, type CapturedHeaders, type EncodedBody } from './job-schema.js'
import { AUDIT_BATCH_CODEC, BODY_ENCODINGS, SAME_AS_PRIMARY_CODE, type AUDIT_BATCH_CODEC_V1 } from './audit-batch-writer.js'

/**
 * Reads a binary audit batch (the grammar is in audit-batch-writer.ts) in either format a gateway
 * writes: `sg-pairs-2` (header lines) or `sg-pairs-1` (older gateways: headers gathered by name).
 * It trusts nothing: it checks every length against what is left and gives plain objects for
 * parseAuditJob.
 */
export type AuditBatchCodec = typeof AUDIT_BATCH_CODEC | typeof AUDIT_BATCH_CODEC_V1

class Reader {
  readonly #buf: Buffer
  readonly #lines: boolean
  #off = 0
  /** `lines`: headers as header lines (sg-pairs-2), else gathered by name (sg-pairs-1). */
  constructor(buf: Buffer, lines: boolean) {
    this.#buf = buf
    this.#lines = lines
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
    return this.#lines ? this.#headerLines() : this.#gatheredHeaders()
  }

  /** Lower-cased names, a repeated name's values gathered into an array in order (as CapturedHeaders has them). */
  #headerLines(): CapturedHeaders {
    const n = this.u32()
    // No prototype: a header named __proto__ stays a header.
    const h = Object.create(null) as Record<string, string | string[]>
    for (let i = 0; i < n; i++) {
      const name = this.str().toLowerCase()
      const value = this.str()
      const prev = h[name]
      if (prev === undefined) h[name] = value
      else if (typeof prev === 'string') h[name] = [prev, value]
      else prev.push(value)
    }
    return h
  }

  #gatheredHeaders(): CapturedHeaders {
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
 * The pairs of a batch's bytes in `format`, unchecked (each still goes through parseAuditJob), bodies as views
 * of `bytes`. Throws JobSchemaError when the bytes are not `count` well-formed pairs.
 */
export function decodeAuditBatch(bytes: Uint8Array, count: number, format: AuditBatchCodec = AUDIT_BATCH_CODEC): unknown[] {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), format === AUDIT_BATCH_CODEC)
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
