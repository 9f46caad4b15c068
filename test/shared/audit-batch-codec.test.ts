import { describe, expect, it } from 'vitest'
import {
  AUDIT_BATCH_CODEC,
  AUDIT_BATCH_CODEC_V1,
  AUDIT_BATCH_FORMAT,
  AuditBatchWriter,
  AUDIT_BATCH_VERSION,
  JobSchemaError,
  JobVersionError,
  SAME_AS_PRIMARY,
  auditBatchClaimedPairs,
  auditBatchPairs,
  decodeAuditBatch,
  encodeAuditBatch,
  packAuditBatch,
  parseAuditBatch,
  parseAuditJob,
  withTextBodies,
  type AuditJob,
} from '@shadowgate/shared'

const BODY = Buffer.from('{"name":"café ☕","n":1}')

function pair(id: string, route = 'products', extra: Partial<AuditJob> = {}): AuditJob {
  return parseAuditJob({
    v: 1,
    id,
    instance: 'gw-1',
    capturedAtNs: '1700000000000000123',
    route,
    request: { method: 'POST', path: '/p/1', query: 'q=ü', headers: { accept: 'application/json', 'x-many': ['a', 'b'], __proto__x: 'y' }, bodySize: 3, bodySha256: 'e3b0', caller: '10.0.0.1' },
    primary: { kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body: { encoding: 'raw', data: BODY, size: BODY.length, truncated: false }, latencyMs: 1.25 },
    shadow: { kind: 'response', status: 201, headers: {}, body: { encoding: SAME_AS_PRIMARY, data: '', size: BODY.length, truncated: false }, latencyMs: 2.5 },
    served: 'new',
    ...extra,
  })
}

function unresolved(job: AuditJob): AuditJob {
  // What the gateway sends: the reference as such, not resolved against the primary.
  return job.shadow.kind === 'response' ? { ...job, shadow: { ...job.shadow, body: { encoding: SAME_AS_PRIMARY, data: '', size: job.shadow.body.size, truncated: false } } } : job
}

describe('binary audit batches (version 2)', () => {
  it('round-trips every field of every pair, bodies byte for byte, through the envelope and its bytes', () => {
    const error: AuditJob = { ...pair('e'), shadow: { kind: 'error', error: 'timeout', message: 'shadow timed out', latencyMs: 5000 }, rulesFingerprint: '0123456789abcdef' }
    const gz = Buffer.from([0x1f, 0x8b, 0, 1, 2])
    const gzip: AuditJob = { ...pair('g', 'orders'), primary: { kind: 'response', status: 500, headers: { a: 'b' }, body: { encoding: 'gzip', data: gz, size: 99, truncated: true }, latencyMs: 0 } }
    const sent = [unresolved(pair('a')), error, unresolved(gzip)]
    const { envelope, bytes } = packAuditBatch(sent)
    expect(envelope).toEqual({ v: AUDIT_BATCH_VERSION, kind: 'batch', format: AUDIT_BATCH_FORMAT, count: 3, routes: { products: 2, orders: 1 } })
    // The envelope is what goes through JSON; the bytes never do.
    const back = parseAuditBatch(JSON.parse(JSON.stringify(envelope)), bytes)
    expect(back).toEqual([pair('a'), error, parseAuditJob(unresolved(gzip))])
    expect(JSON.stringify(back[0]?.request.headers)).toBe(JSON.stringify(pair('a').request.headers))
    const shadow = back[2]?.shadow
    expect(shadow?.kind === 'response' && Buffer.from(shadow.body.data).equals(gz)).toBe(true)
  })

  it('round-trips bodies in text form too (utf8, base64, gzip+base64), so any checked job can travel', () => {
    const text: AuditJob = {
      ...pair('t'),
      primary: { kind: 'response', status: 200, headers: {}, body: { encoding: 'utf8', data: '{"a":"ü"}', size: 10, truncated: false }, latencyMs: 1 },
      shadow: { kind: 'response', status: 200, headers: {}, body: { encoding: 'gzip+base64', data: 'H4sI', size: 3, truncated: true }, latencyMs: 1 },
    }
    const b64: AuditJob = { ...text, id: 'b', shadow: { kind: 'response', status: 200, headers: {}, body: { encoding: 'base64', data: 'AAE=', size: 2, truncated: false }, latencyMs: 1 } }
    expect(decodeAuditBatch(encodeAuditBatch([text, b64]), 2).map((p) => parseAuditJob(p))).toEqual([text, b64])
  })

  it('keeps non-ASCII strings of any length intact', () => {
    const long = 'ä'.repeat(500)
    const job = pair('u', 'route-ü', { request: { ...pair('u').request, path: `/${long}`, caller: '☕' } })
    const [back] = decodeAuditBatch(encodeAuditBatch([job]), 1).map((p) => parseAuditJob(p))
    expect(back?.request.path).toBe(`/${long}`)
    expect(back?.route).toBe('route-ü')
    expect(back?.request.caller).toBe('☕')
  })

  it('refuses bytes that are missing, cut short, too long or of another count, naming what is wrong', () => {
    const { envelope, bytes } = packAuditBatch([pair('a'), pair('b')])
    expect(() => auditBatchPairs(envelope, null)).toThrow('batch bytes are missing')
    expect(() => auditBatchPairs(envelope, undefined)).toThrow(JobSchemaError)
    expect(() => auditBatchPairs(envelope, bytes.subarray(0, bytes.length - 3))).toThrow('batch bytes end early')
    expect(() => auditBatchPairs(envelope, Buffer.concat([bytes, Buffer.from([0])]))).toThrow('batch bytes go on past their last pair')
    expect(() => auditBatchPairs({ ...envelope, count: 1, routes: { products: 1 } }, bytes)).toThrow('batch bytes hold 2 pairs, batch.count says 1')
    expect(() => auditBatchPairs(envelope, Buffer.from('not a batch at all'))).toThrow(JobSchemaError)
  })

  it('never throws anything but JobSchemaError on damaged bytes', () => {
    const { envelope, bytes } = packAuditBatch([pair('a'), pair('b')])
    for (let at = 4; at < bytes.length; at += 3) {
      const damaged = Buffer.from(bytes)
      damaged[at] = (damaged[at] ?? 0) ^ 0xff
      try {
        auditBatchPairs(envelope, damaged).forEach((p) => parseAuditJob(p))
      } catch (err) {
        expect(err).toBeInstanceOf(JobSchemaError)
      }
    }
  })

  it.each([
    [{ v: 2, kind: 'batch', format: 'msgpack', count: 1, routes: { a: 1 } }, 'batch.format must be one of "sg-pairs-2", "sg-pairs-1"'],
    [{ v: 2, kind: 'batch', format: 'sg-pairs-1', count: 0, routes: {} }, 'batch.count must be a positive integer'],
    [{ v: 2, kind: 'batch', format: 'sg-pairs-1', count: 1_001, routes: { a: 1_001 } }, 'batch.count must be at most 1000'],
    [{ v: 2, kind: 'batch', format: 'sg-pairs-1', count: 2, routes: { a: 1 } }, 'batch.routes must add up to batch.count (1 vs 2)'],
    [{ v: 2, kind: 'batch', format: 'sg-pairs-1', count: 1, routes: [] }, 'batch.routes must be an object'],
  ])('refuses a broken envelope (%#)', (data, message) => {
    expect(() => auditBatchPairs(data, Buffer.alloc(0))).toThrow(message)
    expect(auditBatchClaimedPairs(data)).toBeUndefined()
  })

  it('tells, from the envelope alone, how many pairs of which route a batch carries', () => {
    const { envelope } = packAuditBatch([pair('a'), pair('b', 'orders'), pair('c')])
    expect(auditBatchClaimedPairs(JSON.parse(JSON.stringify(envelope)))).toEqual([
      ['products', 2],
      ['orders', 1],
    ])
    expect(auditBatchClaimedPairs({ v: 1, kind: 'batch', pairs: [] })).toBeUndefined()
  })

  it('refuses an unknown version with JobVersionError, for an envelope and for a pair', () => {
    expect(() => auditBatchPairs({ v: 3, kind: 'batch' })).toThrow(JobVersionError)
    expect(() => auditBatchPairs({ v: 0, kind: 'batch', pairs: [] })).toThrow('batch.v must be 1 or 2 (got 0)')
    expect(() => parseAuditJob({ ...pair('a'), v: 2 })).toThrow(JobVersionError)
    const { envelope, bytes } = packAuditBatch([pair('a')])
    expect(() => parseAuditBatch(envelope, bytes)).not.toThrow()
  })

  it('accepts body bytes only as bytes: a raw body whose data is a string is invalid', () => {
    const job = { ...pair('a'), primary: { kind: 'response', status: 200, headers: {}, body: { encoding: 'raw', data: 'text', size: 4, truncated: false }, latencyMs: 1 } }
    expect(() => parseAuditJob(job)).toThrow('job.primary.body.data must be bytes for encoding raw')
  })

  it('withTextBodies gives the same bytes in text form, for a JSON document', () => {
    const gz = Buffer.from([0x1f, 0x8b, 9])
    const job: AuditJob = { ...pair('a'), shadow: { kind: 'response', status: 200, headers: {}, body: { encoding: 'gzip', data: gz, size: 30, truncated: true }, latencyMs: 1 } }
    const text = parseAuditJob(JSON.parse(JSON.stringify(withTextBodies(job))))
    expect(text.primary.kind === 'response' && text.primary.body).toEqual({ encoding: 'base64', data: BODY.toString('base64'), size: BODY.length, truncated: false })
    expect(text.shadow.kind === 'response' && text.shadow.body).toEqual({ encoding: 'gzip+base64', data: gz.toString('base64'), size: 30, truncated: true })
    const plain = parseAuditJob({ ...pair('b'), primary: { kind: 'error', error: 'reset', message: 'x', latencyMs: 1 }, shadow: { kind: 'error', error: 'reset', message: 'y', latencyMs: 1 } })
    expect(withTextBodies(plain)).toBe(plain)
  })
})

// Older gateways write sg-pairs-1: headers gathered by name. Workers must keep reading them through an upgrade.
describe('binary audit batches from older gateways (sg-pairs-1)', () => {
  /** One pair in the older format, written value by value as those gateways did. */
  function olderBatch(): Buffer {
    const w = new AuditBatchWriter(0)
    const gathered = (h: Record<string, string | string[]>): void => {
      w.u32(Object.keys(h).length)
      for (const [name, v] of Object.entries(h)) {
        w.str(name)
        if (typeof v === 'string') {
          w.u8(0)
          w.str(v)
        } else {
          w.u8(1)
          w.u32(v.length)
          for (const x of v) w.str(x)
        }
      }
    }
    w.u32(1)
    for (const s of ['old-1', 'gw-0', '17', 'products', 'GET', '/p/1', 'a=1']) w.str(s)
    gathered({ accept: 'application/json', 'x-many': ['a', 'b'] })
    w.f64(0)
    w.str('e3b0')
    w.str('10.0.0.1')
    w.u8(0)
    w.u16(200)
    gathered({ 'set-cookie': ['[redacted]', '[redacted]'] })
    w.f64(1.5)
    w.byteBody(0, false, BODY.length, BODY)
    w.error('timeout', 'late', 5000)
    w.u8(0)
    w.u8(0)
    return w.done()
  }

  it('reads them through an envelope that names the older format', () => {
    const envelope = { v: AUDIT_BATCH_VERSION, kind: 'batch', format: AUDIT_BATCH_CODEC_V1, count: 1, routes: { products: 1 } }
    const [job] = parseAuditBatch(envelope, olderBatch())
    expect(job?.request.headers).toEqual({ accept: 'application/json', 'x-many': ['a', 'b'] })
    expect(job?.primary).toMatchObject({ kind: 'response', status: 200, headers: { 'set-cookie': ['[redacted]', '[redacted]'] }, body: { encoding: 'raw', data: BODY } })
    expect(job?.shadow).toEqual({ kind: 'error', error: 'timeout', message: 'late', latencyMs: 5000 })
  })

  it('tells the two formats apart by the envelope: the same bytes read as the current format fail with a JobSchemaError', () => {
    expect(() => decodeAuditBatch(olderBatch(), 1, AUDIT_BATCH_CODEC).map((p) => parseAuditJob(p))).toThrow(JobSchemaError)
  })
})
