import { describe, expect, it } from 'vitest'
import { judgePair } from '../../../audit-service/src/verdict/judge-pair.js'
import { OUTCOME_REASONS } from '../../../audit-service/src/verdict/outcome-reasons.js'
import type { Verdict } from '../../../audit-service/src/verdict/verdict.js'
import { SAME_AS_PRIMARY, parseAuditJob, type CapturedResponse, type EncodedBody } from '@shadowgate/shared'
import { binaryResponse, jsonResponse, makeJob, response, textResponse, testLimits } from '../job-fixtures.js'

// Headers are not compared here (compareHeaders: []) so each case isolates the body.
async function bodies(primary: CapturedResponse, shadow: CapturedResponse): Promise<Verdict> {
  const rules = { percent: 100, ignore: [], ignoreHeaders: [], compareHeaders: [], arrays: [], tolerance: [], numbers: 'value' as const }
  const v = await judgePair(makeJob(primary, shadow), rules, testLimits())
  expect(OUTCOME_REASONS[v.outcome]).toContain(v.reason)
  return v
}

describe('body decoding', () => {
  it.each(['gzip', 'br', 'deflate', 'deflate-raw'] as const)('undoes %s content-encoding before comparing', async (coding) => {
    const value = { items: [{ id: 1, name: 'é' }] }
    expect(await bodies(jsonResponse(value), jsonResponse(value, { contentEncoding: coding }))).toMatchObject({ outcome: 'match', reason: 'json' })
    const v = await bodies(jsonResponse(value, { contentEncoding: coding }), jsonResponse({ items: [{ id: 2, name: 'é' }] }, { contentEncoding: coding, transport: 'gzip+base64' }))
    expect(v.differences.map((d) => d.exactPath)).toEqual(['$.items[0].id'])
  })

  it('turns a compression bomb into skipped/decompressed_too_large', async () => {
    const bomb = response(Buffer.alloc(64 * 1_048_576, 0x20), { contentEncoding: 'gzip', headers: { 'content-type': 'application/json' } })
    const v = await judgePair(makeJob(jsonResponse({}), bomb), undefined, testLimits({ maxDecodedBytes: 1_048_576 }))
    expect(v).toMatchObject({ outcome: 'skipped', reason: 'decompressed_too_large' })
    expect(v.detail).toContain('shadow body')
  })

  it('skips an unknown or broken content-encoding', async () => {
    expect(await bodies(jsonResponse({}), jsonResponse({}, { headers: { 'content-encoding': 'zstd' } }))).toMatchObject({ outcome: 'skipped', reason: 'unsupported_encoding' })
    expect(await bodies(jsonResponse({}, { headers: { 'content-encoding': 'gzip' } }), jsonResponse({}))).toMatchObject({ outcome: 'skipped', reason: 'bad_encoding' })
  })

  it('decodes latin1 text so it equals the same text in UTF-8', async () => {
    const latin1 = response(Buffer.from('café crème', 'latin1'), { headers: { 'content-type': 'text/plain; charset=ISO-8859-1' } })
    expect(await bodies(textResponse('café crème'), latin1)).toMatchObject({ outcome: 'match', reason: 'text' })
  })

  it('decodes an unknown charset as UTF-8 with a note', async () => {
    const odd = response('hello', { headers: { 'content-type': 'text/plain; charset=x-klingon' } })
    expect(await bodies(textResponse('hello'), odd)).toMatchObject({ outcome: 'match', reason: 'text', notes: ['shadow_unknown_charset'] })
  })

  it('compares invalid UTF-8 by bytes instead of replacing characters', async () => {
    const bad1 = response(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), { headers: { 'content-type': 'application/json' } })
    const bad2 = response(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xfe, 0x22, 0x7d]), { headers: { 'content-type': 'application/json' } })
    const v = await bodies(bad1, bad2)
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body', bodyComparison: 'binary', notes: ['primary_invalid_utf8', 'shadow_invalid_utf8'] })
    expect(await bodies(bad1, bad1)).toMatchObject({ outcome: 'match', reason: 'binary' })
  })
})

describe('body comparison modes', () => {
  it('compares non-JSON as text', async () => {
    expect(await bodies(textResponse('<p>hi</p>'), textResponse('<p>hi</p>'))).toMatchObject({ outcome: 'match', reason: 'text' })
    const v = await bodies(textResponse('<p>hi</p>'), textResponse('<p>ho</p>'))
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body', bodyComparison: 'text', differenceCount: 1 })
    expect(v.differences[0]).toEqual({ path: '$', exactPath: '$', kind: 'changed', primary: '<p>hi</p>', shadow: '<p>ho</p>' })
  })

  it('compares binary bodies by SHA-256', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3])
    expect(await bodies(binaryResponse(png), binaryResponse(Buffer.from(png)))).toMatchObject({ outcome: 'match', reason: 'binary' })
    const v = await bodies(binaryResponse(png), binaryResponse(Buffer.from([0x89, 0x50, 0x4e, 0x47, 9])))
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body', bodyComparison: 'binary' })
    expect(String(v.differences[0]?.primary)).toMatch(/^sha256:[0-9a-f]{64} \(8 bytes\)$/)
  })

  it('sniffs undeclared bodies: JSON-looking text is parsed, control bytes are binary', async () => {
    expect(await bodies(response('{"a":1}'), response('{ "a" : 1 }'))).toMatchObject({ outcome: 'match', reason: 'json' })
    expect(await bodies(response(Buffer.from([0, 1, 2])), response(Buffer.from([0, 1, 2])))).toMatchObject({ outcome: 'match', reason: 'binary' })
  })

  it('compares NaN/Infinity bodies as text, with the reason', async () => {
    const v = await bodies(jsonResponse('{"a": NaN}'), jsonResponse('{"a": NaN}'))
    expect(v).toMatchObject({ outcome: 'match', reason: 'invalid_json', notes: ['primary_invalid_json', 'shadow_invalid_json'] })
    expect(v.detail).toMatch(/^compared as text: primary body: /)
    const w = await bodies(jsonResponse({ a: 1 }), jsonResponse('{"a": Infinity}'))
    expect(w).toMatchObject({ outcome: 'mismatch', reason: 'body', bodyComparison: 'invalid_json', notes: ['shadow_invalid_json'] })
    expect(w.differences.map((d) => d.path)).toEqual(['$'])
  })

  it('handles empty bodies: both empty match, one empty is added/removed at $', async () => {
    expect(await bodies(response('', { status: 204 }), response('', { status: 204 }))).toMatchObject({ outcome: 'match', reason: 'empty' })
    const v = await bodies(jsonResponse(''), jsonResponse({ a: 1 }))
    expect(v.differences).toEqual([{ path: '$', exactPath: '$', kind: 'added', primary: undefined, shadow: { a: 1 } }])
    const t = await bodies(textResponse('gone'), textResponse(''))
    expect(t.differences).toEqual([{ path: '$', exactPath: '$', kind: 'removed', primary: 'gone', shadow: undefined }])
  })

  it('flags duplicate keys and compares the last occurrence', async () => {
    const v = await bodies(jsonResponse('{"a":1,"a":2}'), jsonResponse('{"a":2}'))
    expect(v).toMatchObject({ outcome: 'match', reason: 'json', notes: ['primary_duplicate_keys'] })
  })

  it('compares integers beyond 2^53 exactly', async () => {
    const v = await bodies(jsonResponse('{"id":9007199254740993}'), jsonResponse('{"id":9007199254740992}'))
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body' })
    expect(v.differences).toEqual([{ path: '$.id', exactPath: '$.id', kind: 'changed', primary: '9007199254740993', shadow: '9007199254740992' }])
  })
})

describe('a shadow body sent as the primary body (same-as-primary)', () => {
  /** The job as the worker sees it after parsing: the shadow's reference resolved to the primary's body object. */
  async function referenced(primary: CapturedResponse, shadowHeaders?: Record<string, string>, limits = testLimits()): Promise<Verdict> {
    const reference: EncodedBody = { encoding: SAME_AS_PRIMARY, data: '', size: primary.body.size, truncated: primary.body.truncated }
    const shadow = { ...primary, headers: shadowHeaders ?? primary.headers, body: reference, latencyMs: 7 }
    const job = parseAuditJob(JSON.parse(JSON.stringify(makeJob(primary, shadow))))
    const rules = { percent: 100, ignore: [], ignoreHeaders: [], compareHeaders: [], arrays: [], tolerance: [], numbers: 'value' as const }
    return await judgePair(job, rules, limits)
  }

  it('matches, with the notes of both sides, as the same body sent twice would', async () => {
    expect(await referenced(jsonResponse({ items: [1, 2, 3] }))).toMatchObject({ outcome: 'match', reason: 'json', differenceCount: 0 })
    expect(await referenced(jsonResponse('{"a":1,"a":2}'))).toMatchObject({ outcome: 'match', notes: ['primary_duplicate_keys', 'shadow_duplicate_keys'] })
    const nan = await referenced(jsonResponse('{"a": NaN}'))
    expect(nan).toMatchObject({ outcome: 'match', reason: 'invalid_json', notes: ['primary_invalid_json', 'shadow_invalid_json'] })
    expect(await referenced(binaryResponse(Buffer.from([0, 1, 2])))).toMatchObject({ outcome: 'match', reason: 'binary' })
  })

  it('still skips what cannot be decoded, naming the primary body', async () => {
    const v = await referenced(jsonResponse({}, { headers: { 'content-encoding': 'gzip' } }))
    expect(v).toMatchObject({ outcome: 'skipped', reason: 'bad_encoding' })
    expect(v.detail).toContain('primary body')
  })

  it('is equal however large, where two separate copies run into the diff budget', async () => {
    const big = { rows: Array.from({ length: 2_000 }, (_, i) => ({ i })) }
    const limits = testLimits({ maxDiffNodes: 100 })
    expect(await referenced(jsonResponse(big), undefined, limits)).toMatchObject({ outcome: 'match', reason: 'json' })
    expect(await judgePair(makeJob(jsonResponse(big), jsonResponse(big)), undefined, limits)).toMatchObject({ outcome: 'skipped', reason: 'diff_budget' })
  })

  it('is decoded again when the shadow declares another content-encoding for the same bytes', async () => {
    const gzipped = jsonResponse({ a: 1 }, { contentEncoding: 'gzip' })
    const v = await referenced(gzipped, { 'content-type': 'application/json' })
    expect(v.outcome).toBe('mismatch')
  })
})
