import { createHash, randomBytes } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { AuditBatchWriter, SAME_AS_PRIMARY, auditRulesFingerprint, decodeAuditBatch, parseAuditJob, validateConfig, type AuditJob } from '@shadowgate/shared'
import { captureRules, compressBodies, writePair, type CaptureRules } from '../../../gateway/src/capture/pair-encoder.js'
import { queueJobId } from '../../../gateway/src/capture/queue-job-id.js'
import type { MirrorPair } from '../../../gateway/src/mirror/mirror-pair.js'
import { bodyBytes, makePair, response } from './capture-fixtures.js'

function rules(audit: Record<string, unknown> = {}) {
  return captureRules(validateConfig({ primary: 'http://127.0.0.1:9', audit }).audit)
}

/** The pair's bytes as a batch of one. */
function written(pair: MirrorPair, r: CaptureRules, instance: string, capturedAtNs: string, bodies?: Awaited<ReturnType<typeof compressBodies>>): Buffer {
  const w = new AuditBatchWriter(0)
  w.u32(1)
  writePair(w, pair, r, instance, capturedAtNs, bodies)
  return w.done()
}

/** What a worker reads of the pair, compressed as the batch writer compresses it. */
async function buildAuditJob(pair: MirrorPair, r: CaptureRules, instance: string, capturedAtNs: string): Promise<AuditJob> {
  return parseAuditJob(decodeAuditBatch(written(pair, r, instance, capturedAtNs, await compressBodies(pair, r)), 1)[0])
}

describe('writePair', () => {
  it('writes a pair that passes parseAuditJob, with the pair id as job id', async () => {
    const body = Buffer.from('{"q":1}')
    const pair = makePair('req-abc', {
      url: '/products/7?page=2&token=secret&sort=asc',
      headers: { accept: 'application/json', authorization: 'Bearer abc', 'x-ignored': '1', 'content-type': 'application/json' },
      body,
      clientIp: '10.1.2.3',
    })
    const job = parseAuditJob(await buildAuditJob(pair, rules(), 'gw-1', '1700000000000000001'))
    expect(job).toMatchObject({ v: 1, id: 'req-abc', instance: 'gw-1', capturedAtNs: '1700000000000000001', route: 'products' })
    expect(job.request).toEqual({
      method: 'GET',
      path: '/products/7',
      query: 'page=2&token=[redacted]&sort=asc',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      bodySize: body.length,
      bodySha256: createHash('sha256').update(body).digest('hex'),
      caller: '10.1.2.3',
    })
    expect(job.primary).toMatchObject({ kind: 'response', status: 200, latencyMs: 12.5, body: { encoding: 'raw', data: Buffer.from('{"id":"req-abc","price":1}'), truncated: false } })
  })

  it("stamps the route's audit rules fingerprint on the pair, and none for a route it has no rules for", async () => {
    const config = validateConfig({ primary: 'http://127.0.0.1:9', routes: [{ name: 'products', match: '/products/:id', audit: { ignore: ['$.generatedAt'] } }] })
    const withRoutes = captureRules(config.audit, config.routes)
    const job = parseAuditJob(await buildAuditJob(makePair('fp-1'), withRoutes, 'gw', '1'))
    expect(job.rulesFingerprint).toBe(auditRulesFingerprint(config.routes[0]?.audit))
    expect((await buildAuditJob(makePair('fp-2'), rules(), 'gw', '2')).rulesFingerprint).toBeUndefined()
  })

  it('hashes an empty request body as the hash of nothing', async () => {
    const job = await buildAuditJob(makePair('e1'), rules(), 'gw', '1')
    expect(job.request.bodySha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('applies configured header and query redaction to requests and responses, keeping content-encoding', async () => {
    const r = rules({ captureRequestHeaders: ['accept', 'cookie', 'x-api-key'], redactHeaders: ['x-api-key', 'content-encoding'], redactQuery: ['sig'] })
    const primary = response('x', { headers: ['Set-Cookie', 'sid=1', 'set-cookie', 't=2', 'Content-Encoding', 'identity', 'X-Api-Key', 'k', 'ETag', '"1"'] })
    const pair = makePair('h1', { url: '/p?sig=abc&token=keep', headers: { accept: '*/*', cookie: 'sid=1', 'x-api-key': 'k' }, primary })
    const job = parseAuditJob(await buildAuditJob(pair, r, 'gw', '1'))
    expect(job.request.headers).toEqual({ accept: '*/*', cookie: '[redacted]', 'x-api-key': '[redacted]' })
    expect(job.request.query).toBe('sig=[redacted]&token=keep')
    if (job.primary.kind !== 'response') throw new Error('expected a response')
    expect(job.primary.headers).toEqual({ 'set-cookie': ['[redacted]', '[redacted]'], 'content-encoding': 'identity', 'x-api-key': '[redacted]', etag: '"1"' })
    expect(JSON.stringify(job)).not.toMatch(/sid=1|"k"|abc/)
  })

  it('keeps every response header line: names lower-cased, repeated ones gathered in order, whatever the spelling', async () => {
    const primary = response('x', { headers: ['Vary', 'accept', 'X-A', '1', 'vary', 'origin', 'x-a', '2', '__proto__', 'p'] })
    const job = await buildAuditJob(makePair('h2', { primary }), rules(), 'gw', '1')
    if (job.primary.kind !== 'response') throw new Error('expected a response')
    expect(job.primary.headers).toEqual(Object.assign(Object.create(null) as object, { vary: ['accept', 'origin'], 'x-a': ['1', '2'], ['__proto__']: 'p' }))
  })

  it('counts a pair whose status is not an HTTP status as unwritable, leaving nothing of it behind', () => {
    const w = new AuditBatchWriter(0)
    expect(() => writePair(w, makePair('bad', { primary: response('x', { status: 0 }) }), rules(), 'gw', '1')).toThrow('primary.status 0 is not an HTTP status code')
  })

  it('takes the caller from the identity header, else the client IP; a redacted identity header is hashed', async () => {
    const byHeader = await buildAuditJob(makePair('c1', { headers: { 'x-user-id': 'u-42' } }), rules({ identityHeader: 'X-User-Id' }), 'gw', '1')
    expect(byHeader.request.caller).toBe('u-42')
    const byIp = await buildAuditJob(makePair('c2', { headers: {}, clientIp: '192.0.2.9' }), rules({ identityHeader: 'x-user-id' }), 'gw', '1')
    expect(byIp.request.caller).toBe('192.0.2.9')
    const secret = await buildAuditJob(makePair('c3', { headers: { authorization: 'Bearer top' } }), rules({ identityHeader: 'authorization' }), 'gw', '1')
    expect(secret.request.caller).toMatch(/^sha256:[0-9a-f]{16}$/)
    expect(JSON.stringify(secret)).not.toContain('top')
  })

  it('compresses a body above audit.compressAboveBytes only when that makes it shorter', async () => {
    const text = Buffer.from(JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ i, name: 'same text again' })) }))
    const httpGzip = gzipSync(randomBytes(8192))
    const pair = makePair('z1', { primary: response(text), shadow: response(httpGzip) })
    const bodies = await compressBodies(pair, rules({ compressAboveBytes: 100 }))
    expect(bodies.primary && gunzipSync(bodies.primary).equals(text)).toBe(true)
    expect(bodies.shadow).toBeUndefined() // gzip would not shrink it: it travels as captured
    const same = await compressBodies(makePair('z2', { primary: response(text), shadow: response(text) }), rules({ compressAboveBytes: 100 }))
    expect(same.shadow).toBeUndefined() // a reference to the primary's body, nothing to compress
    expect(await compressBodies(makePair('z3', { primary: response('a'.repeat(2048)) }), rules({ compressAboveBytes: 2048 }))).toEqual({ primary: undefined, shadow: undefined })
  })

  it('carries bodies as raw bytes, compressible bodies as gzip, and flags truncation', async () => {
    const big = Buffer.from(JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => ({ i, label: 'repeated label' })) }))
    const binary = Buffer.from([0xc3, 0x28, 0xff, 0x00])
    const pair = makePair('b1', { primary: response(big, { truncated: true }), shadow: response(binary) })
    const job = parseAuditJob(await buildAuditJob(pair, rules(), 'gw', '1'))
    if (job.primary.kind !== 'response' || job.shadow.kind !== 'response') throw new Error('expected responses')
    expect(job.primary.body.encoding).toBe('gzip')
    expect(job.primary.body.truncated).toBe(true)
    expect(bodyBytes(job.primary.body).equals(big)).toBe(true)
    expect(job.shadow.body).toEqual({ encoding: 'raw', data: binary, size: 4, truncated: false })
  })

  it('cuts a body longer than audit.maxBodyBytes and flags it truncated', async () => {
    const pair = makePair('t1', { primary: response('0123456789') })
    const job = parseAuditJob(await buildAuditJob(pair, rules({ maxBodyBytes: 4 }), 'gw', '1'))
    if (job.primary.kind !== 'response') throw new Error('expected a response')
    expect(job.primary.body).toEqual({ encoding: 'raw', data: Buffer.from('0123'), size: 4, truncated: true })
  })

  it('sends a shadow body identical to the primary body as a reference, which parsing resolves', () => {
    const pair = makePair('s1')
    const bytes = written(pair, rules(), 'gw', '1')
    const sent = decodeAuditBatch(bytes, 1)[0] as { shadow: { body: unknown } }
    expect(sent.shadow.body).toEqual({ encoding: SAME_AS_PRIMARY, data: '', size: 21, truncated: false })
    expect(bytes.toString('latin1').split('price').length).toBe(2) // the body travels once
    const job = parseAuditJob(decodeAuditBatch(bytes, 1)[0])
    if (job.shadow.kind !== 'response') throw new Error('expected a response')
    expect(job.shadow.body).toEqual({ encoding: 'raw', data: Buffer.from('{"id":"s1","price":1}'), size: 21, truncated: false })
  })

  it('sends the shadow body in full when it differs from the primary body, even only in length or in where it was cut', async () => {
    const sent = (pair: MirrorPair, r = rules()): unknown => (decodeAuditBatch(written(pair, r, 'gw', '1'), 1)[0] as { shadow: unknown }).shadow
    expect(sent(makePair('s2', { primary: response('{"a":1}'), shadow: response('{"a":1} ') }))).toMatchObject({ body: { encoding: 'raw', data: Buffer.from('{"a":1} ') } })
    expect(sent(makePair('s3', { primary: response('0123'), shadow: response('0123', { truncated: true }) }))).toMatchObject({ body: { encoding: 'raw', data: Buffer.from('0123'), truncated: true } })
    expect(sent(makePair('s4', { primary: response('0123456789'), shadow: response('0123456789') }), rules({ maxBodyBytes: 4 }))).toMatchObject({ body: { encoding: SAME_AS_PRIMARY, size: 4, truncated: true } })
  })

  it('captures a shadow failure as an error kind', async () => {
    const pair = makePair('f1', { shadow: { kind: 'error', error: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:10', latencyMs: 1 } })
    const job = parseAuditJob(await buildAuditJob(pair, rules(), 'gw', '1'))
    expect(job.shadow).toEqual({ kind: 'error', error: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:10', latencyMs: 1 })
  })
})

describe('queueJobId', () => {
  it('keeps ordinary ids and makes ids BullMQ would reject safe', () => {
    expect(queueJobId('3f2c9a1e-0b7d-4e2a-9f1c-2d3e4f5a6b7c', 'x')).toBe('3f2c9a1e-0b7d-4e2a-9f1c-2d3e4f5a6b7c')
    expect(queueJobId('req-1', 'x')).toBe('req-1')
    expect(queueJobId('42', 'x')).toBe('sg-42')
    expect(queueJobId('-7', 'x')).toBe('sg--7')
    expect(queueJobId('007', 'x')).toBe('007') // BullMQ accepts it: parseInt gives 7, not the id
    expect(queueJobId('a:b', 'x')).toBe('sg-a_b')
    expect(queueJobId('', 'gw:1-5')).toBe('sg-gw_1-5')
  })
})
