import { UPSTREAM_ERROR_KINDS, type AuditJob } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { judgePair } from '../../../audit-service/src/verdict/judge-pair.js'
import { OUTCOME_REASONS } from '../../../audit-service/src/verdict/outcome-reasons.js'
import type { Verdict } from '../../../audit-service/src/verdict/verdict.js'
import { auditRules, failure, jsonResponse, makeJob, textResponse, testLimits, type RuleSpec } from '../job-fixtures.js'

async function judge(job: AuditJob, spec?: RuleSpec): Promise<Verdict> {
  const v = await judgePair(job, spec === undefined ? undefined : auditRules(spec), testLimits())
  // Every verdict must stay inside the documented taxonomy.
  expect(OUTCOME_REASONS[v.outcome]).toContain(v.reason)
  return v
}

describe('judgePair: outcome taxonomy', () => {
  it('matches equal JSON responses and carries statuses and latencies', async () => {
    const v = await judge(makeJob(jsonResponse({ a: 1 }, { latencyMs: 12 }), jsonResponse({ a: 1 }, { latencyMs: 30 })))
    expect(v).toEqual({
      outcome: 'match',
      reason: 'json',
      differences: [],
      differenceCount: 0,
      fingerprint: undefined,
      primaryStatus: 200,
      shadowStatus: 200,
      primaryMs: 12,
      shadowMs: 30,
      bodyComparison: 'json',
    })
  })

  it.each(UPSTREAM_ERROR_KINDS)('turns a primary %s into primary_error, whatever the shadow did', async (kind) => {
    const v = await judge(makeJob(failure(kind, 7), failure('timeout', 9)))
    expect(v).toMatchObject({ outcome: 'primary_error', reason: kind, primaryStatus: 0, shadowStatus: 0, primaryMs: 7, shadowMs: 9, differenceCount: 0 })
  })

  it('turns a shadow timeout into shadow_timeout/timeout', async () => {
    const v = await judge(makeJob(jsonResponse({}), failure('timeout', 5000)))
    expect(v).toMatchObject({ outcome: 'shadow_timeout', reason: 'timeout', primaryStatus: 200, shadowStatus: 0, shadowMs: 5000 })
  })

  it.each(UPSTREAM_ERROR_KINDS.filter((k) => k !== 'timeout'))('turns a shadow %s into shadow_error', async (kind) => {
    expect(await judge(makeJob(jsonResponse({}), failure(kind)))).toMatchObject({ outcome: 'shadow_error', reason: kind })
  })

  it('compares 5xx like any status: equal 500s match, 500 against 200 is a status mismatch', async () => {
    const err = { error: 'boom' }
    expect(await judge(makeJob(jsonResponse(err, { status: 500 }), jsonResponse(err, { status: 500 })))).toMatchObject({ outcome: 'match', primaryStatus: 500 })
    const v = await judge(makeJob(jsonResponse({ ok: 1 }), jsonResponse(err, { status: 500 })))
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'status', primaryStatus: 200, shadowStatus: 500 })
    expect(v.differences[0]).toEqual({ path: 'status', exactPath: 'status', kind: 'changed', primary: 200, shadow: 500 })
    expect(v.differences.map((d) => d.path)).toEqual(['status', '$.ok', '$.error'])
  })

  it('reports headers before the body, names matched case-insensitively', async () => {
    const v = await judge(makeJob(jsonResponse({ a: 1 }), jsonResponse({ a: 2 }, { headers: { 'Content-Type': 'application/problem+json' } })))
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'headers' })
    expect(v.differences.map((d) => `${d.kind} ${d.path}`)).toEqual(['changed header:content-type', 'changed $.a'])
  })

  it('compares configured headers and drops ignored ones', async () => {
    const job = makeJob(jsonResponse({}, { headers: { 'X-Version': '1', etag: 'a' } }), jsonResponse({}, { headers: { 'x-version': '2', etag: 'b' } }))
    expect(await judge(job)).toMatchObject({ outcome: 'match' })
    const v = await judge(job, { compareHeaders: ['content-type', 'x-version', 'etag'], ignoreHeaders: ['ETag'] })
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'headers', differenceCount: 1 })
    expect(v.differences[0]?.path).toBe('header:x-version')
  })

  it('reports a body difference as mismatch/body with a fingerprint', async () => {
    const v = await judge(makeJob(jsonResponse({ items: [{ price: 1 }] }), jsonResponse({ items: [{ price: 2 }] })))
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body', differenceCount: 1, bodyComparison: 'json' })
    expect(v.fingerprint).toMatch(/^[0-9a-f]{16}$/)
  })

  it('skips truncated bodies, but still reports a status mismatch', async () => {
    const cut = jsonResponse('{"a":', { truncated: true })
    expect(await judge(makeJob(jsonResponse({ a: 1 }), cut))).toMatchObject({ outcome: 'skipped', reason: 'truncated', fingerprint: undefined })
    const v = await judge(makeJob(jsonResponse({ a: 1 }), jsonResponse('{"a":', { truncated: true, status: 502 })))
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'status', bodyComparison: 'not_compared', notes: ['body_truncated'], differenceCount: 1 })
  })

  it('applies the route rules', async () => {
    const job = makeJob(jsonResponse({ ts: 1, price: 10.0, l: [1, 2] }), jsonResponse({ ts: 2, price: 10.004, l: [2, 1] }))
    expect((await judge(job)).differenceCount).toBe(4)
    const v = await judge(job, { ignore: ['$..ts'], tolerance: { '$.price': { absolute: 0.01 } }, arrays: { '$.l': 'unordered' } })
    expect(v).toMatchObject({ outcome: 'match', reason: 'json' })
  })

  it('matches with reason `ignored` when the whole body is ignored', async () => {
    expect(await judge(makeJob(jsonResponse({ a: 1 }), textResponse('other')), { ignore: ['$'], compareHeaders: [] })).toMatchObject({ outcome: 'match', reason: 'ignored', bodyComparison: 'ignored' })
  })

  it('never throws: a malformed job becomes skipped/judge_error with the cause', async () => {
    const job = makeJob(jsonResponse({}), jsonResponse({}))
    const broken = { ...job, shadow: { ...job.shadow, headers: null } } as unknown as AuditJob
    const v = await judge(broken)
    expect(v).toMatchObject({ outcome: 'skipped', reason: 'judge_error' })
    expect(v.detail).toMatch(/unexpected failure/)
  })

  it('stores at most maxDifferences but counts every difference', async () => {
    const a = Array.from({ length: 50 }, (_, i) => i)
    const v = await judgePair(makeJob(jsonResponse(a), jsonResponse(a.map((x) => -x - 1))), undefined, testLimits({ maxDifferences: 10 }))
    expect(v.differenceCount).toBe(50)
    expect(v.differences).toHaveLength(10)
  })
})

describe('judgePair: fingerprint', () => {
  const pair = (route: string, idx: number, shadowStatus = 200): AuditJob => {
    const items = [{ price: 1 }, { price: 1 }, { price: 1 }]
    const changed = items.map((x, i) => (i === idx ? { price: 2 } : x))
    return makeJob(jsonResponse({ items }), jsonResponse({ items: changed }, { status: shadowStatus }), { route })
  }

  it('groups the same field differing at any index, and separates routes and status pairs', async () => {
    const a = (await judge(pair('orders', 0))).fingerprint
    expect((await judge(pair('orders', 2))).fingerprint).toBe(a)
    expect((await judge(pair('users', 0))).fingerprint).not.toBe(a)
    expect((await judge(pair('orders', 0, 201))).fingerprint).not.toBe(a)
  })
})
