import { gzipSync } from 'node:zlib'
import { validateConfig, type CapturedResponse } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { judgeLimitsFrom } from '../../audit-service/src/verdict/judge-limits.js'
import { judgePair } from '../../audit-service/src/verdict/judge-pair.js'
import { OUTCOME_REASONS } from '../../audit-service/src/verdict/outcome-reasons.js'
import type { Verdict } from '../../audit-service/src/verdict/verdict.js'
import { jsonResponse, makeJob, response, textResponse } from '../audit-service/job-fixtures.js'

/**
 * Hostile response bodies through the real judge (judgePair) with the worker's default limits
 * (worker.maxDecodedBytes 16 MiB, worker.maxJsonDepth 512, worker.diffTimeout 2 s, 4 M nodes): the
 * verdict each one gets. The hostile-payload table in docs/edge-and-security.md cites these rows. Rows marked `limit`
 * record a documented limit of the comparison, not a wish.
 */
interface PayloadRow {
  readonly name: string
  readonly primary: CapturedResponse
  readonly shadow: CapturedResponse
  readonly verdict: `${Verdict['outcome']}/${string}`
  /** Exact paths of the differences, when they matter. */
  readonly paths?: readonly string[]
  readonly notes?: readonly string[]
  readonly limit?: true
  readonly check?: (v: Verdict) => void
}

const LIMITS = judgeLimitsFrom(validateConfig({ primary: 'http://127.0.0.1:9' }).worker)
const JSON_TYPE = { 'content-type': 'application/json' }
const MIB = 1_048_576

function transportBomb(): CapturedResponse {
  // 64 MiB of spaces, gzipped for the queue (gzip+base64): about 64 KB on the wire.
  const data = gzipSync(Buffer.alloc(64 * MIB, 0x20)).toString('base64')
  return { kind: 'response', status: 200, headers: JSON_TYPE, body: { encoding: 'gzip+base64', data, size: 64 * MIB, truncated: false }, latencyMs: 5 }
}

const deepArrays = '['.repeat(10_000) + ']'.repeat(10_000)
const deepObjects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)
const fiveMillion = `[${'0,'.repeat(4_999_999)}0]`
const hundredK = Array.from({ length: 100_000 }, (_, i) => i)
const overlong = Buffer.from([0x2f, 0xc0, 0xaf]) // "/" followed by an overlong encoding of "/"
const TEXT_UTF8 = { 'content-type': 'text/plain; charset=utf-8' }

const ROWS: readonly PayloadRow[] = [
  { name: 'gzip bomb (content-encoding gzip, 64 MiB inflated)', primary: jsonResponse({}), shadow: response(Buffer.alloc(64 * MIB, 0x20), { contentEncoding: 'gzip', headers: JSON_TYPE }), verdict: 'skipped/decompressed_too_large' },
  { name: 'brotli bomb (content-encoding br, 64 MiB inflated)', primary: response(Buffer.alloc(64 * MIB, 0x20), { contentEncoding: 'br', headers: JSON_TYPE }), shadow: jsonResponse({}), verdict: 'skipped/decompressed_too_large' },
  { name: 'gzip bomb in the queue transport (gzip+base64)', primary: transportBomb(), shadow: jsonResponse({}), verdict: 'skipped/decompressed_too_large' },
  { name: 'plain body over 16 MiB', primary: textResponse('x'.repeat(17 * MIB)), shadow: textResponse('x'), verdict: 'skipped/body_too_large' },
  { name: '10,000-deep arrays on both sides', primary: jsonResponse(deepArrays), shadow: jsonResponse(deepArrays), verdict: 'skipped/too_deep' },
  { name: '10,000-deep objects on the shadow only', primary: jsonResponse({ a: 1 }), shadow: jsonResponse(deepObjects), verdict: 'skipped/too_deep' },
  { name: '5,000,000-element arrays (node budget)', primary: jsonResponse(fiveMillion), shadow: jsonResponse(fiveMillion), verdict: 'skipped/diff_budget' },
  {
    name: '100,000-element arrays, one element changed',
    primary: jsonResponse(hundredK),
    shadow: jsonResponse(hundredK.map((x) => (x === 77_777 ? -1 : x))),
    verdict: 'mismatch/body',
    paths: ['$[77777]'],
  },
  {
    name: 'invalid UTF-8 (overlong encoding) against valid text',
    primary: response(overlong, { headers: TEXT_UTF8 }),
    shadow: textResponse('//'),
    verdict: 'mismatch/body',
    paths: ['$'],
    notes: ['primary_invalid_utf8'],
    check: (v) => expect(v.bodyComparison).toBe('binary'),
  },
  { name: 'the same invalid UTF-8 on both sides', primary: response(overlong, { headers: TEXT_UTF8 }), shadow: response(Buffer.from(overlong), { headers: TEXT_UTF8 }), verdict: 'match/binary' },
  { name: 'NaN on both sides (not JSON: compared as text)', primary: jsonResponse('{"a":NaN}'), shadow: jsonResponse('{"a":NaN}'), verdict: 'match/invalid_json', notes: ['primary_invalid_json', 'shadow_invalid_json'] },
  { name: 'NaN against -Infinity', primary: jsonResponse('{"a":NaN}'), shadow: jsonResponse('{"a":-Infinity}'), verdict: 'mismatch/body', paths: ['$'], notes: ['primary_invalid_json', 'shadow_invalid_json'] },
  { name: '-0 against 0 (equal JSON numbers)', primary: jsonResponse('{"a":-0}'), shadow: jsonResponse('{"a":0}'), verdict: 'match/json' },
  { name: '1e400 against 1e401 (both beyond double range)', primary: jsonResponse('{"a":1e400}'), shadow: jsonResponse('{"a":1e401}'), verdict: 'match/json', limit: true },
  {
    name: '2^64 against 2^64+1, nested',
    primary: jsonResponse('[[18446744073709551616]]'),
    shadow: jsonResponse('[[18446744073709551617]]'),
    verdict: 'mismatch/body',
    paths: ['$[0][0]'],
    check: (v) => expect(v.differences[0]).toMatchObject({ primary: '18446744073709551616', shadow: '18446744073709551617' }),
  },
  { name: '-(2^53+1) against -2^53', primary: jsonResponse('{"a":-9007199254740993}'), shadow: jsonResponse('{"a":-9007199254740992}'), verdict: 'mismatch/body', paths: ['$.a'] },
  { name: 'the same 30-digit integer on both sides', primary: jsonResponse('{"a":123456789012345678901234567890}'), shadow: jsonResponse('{"a":123456789012345678901234567890}'), verdict: 'match/json' },
  { name: '2^53+1 against 9.007199254740993e15 (a double)', primary: jsonResponse('{"a":9007199254740993}'), shadow: jsonResponse('{"a":9.007199254740993e15}'), verdict: 'mismatch/body', paths: ['$.a'] },
  { name: '9007199254740993.0 against 9007199254740992 (fractions are doubles)', primary: jsonResponse('{"a":9007199254740993.0}'), shadow: jsonResponse('{"a":9007199254740992}'), verdict: 'match/json', limit: true },
  {
    name: 'duplicate keys, opposite order (last one wins)',
    primary: jsonResponse('{"a":1,"a":2}'),
    shadow: jsonResponse('{"a":2,"a":1}'),
    verdict: 'mismatch/body',
    paths: ['$.a'],
    notes: ['primary_duplicate_keys', 'shadow_duplicate_keys'],
  },
  {
    name: '__proto__ keys are ordinary fields',
    primary: jsonResponse('{"__proto__":{"polluted":1}}'),
    shadow: jsonResponse('{"__proto__":{"polluted":2}}'),
    verdict: 'mismatch/body',
    paths: ['$.__proto__.polluted'],
    check: () => expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined(),
  },
]

describe('hostile response bodies: the verdict each gets from judgePair', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const v = await judgePair(makeJob(row.primary, row.shadow), undefined, LIMITS)
    expect(OUTCOME_REASONS[v.outcome]).toContain(v.reason)
    expect(`${v.outcome}/${v.reason}`).toBe(row.verdict)
    if (row.paths !== undefined) expect(v.differences.map((d) => d.exactPath)).toEqual(row.paths)
    if (row.notes !== undefined) expect(v.notes).toEqual(row.notes)
    if (v.outcome === 'skipped') expect(v.detail).toEqual(expect.any(String))
    row.check?.(v)
  })
})
