import { mismatchGroupKey, mismatchIndexKey, mismatchSamplesKey, parsePathPattern } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildMismatchSample } from '../../../audit-service/src/mismatch/build-mismatch-sample.js'
import { MismatchStore } from '../../../audit-service/src/mismatch/mismatch-store.js'
import type { FieldDifference, Verdict } from '../../../audit-service/src/verdict/verdict.js'
import { startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { jsonResponse, pairJob } from '../worker/pair-jobs.js'

function mismatch(fp: string, differences: FieldDifference[] = [{ path: '$.a', exactPath: '$.a', kind: 'changed', primary: 1, shadow: 2 }]): Verdict {
  return { outcome: 'mismatch', reason: 'body', differences, differenceCount: differences.length, fingerprint: fp, primaryStatus: 200, shadowStatus: 200, primaryMs: 1, shadowMs: 1 }
}

describe('MismatchStore on a real Redis', () => {
  let server: TestRedis
  let redis: Redis
  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis(server.url)
  })
  afterAll(async () => {
    redis?.disconnect()
    await server?.close()
  })

  const record = (store: MismatchStore, fp: string, jobId: string, seenMs: number, nowMs?: number, rules = 'rules-1', route = 'r1'): Promise<boolean> => {
    const job = pairJob(route, jsonResponse({ a: 1 }), jsonResponse({ a: 2 }), { id: jobId })
    const verdict = mismatch(fp)
    return store.record({ route, verdict, sample: buildMismatchSample(job, verdict, { headers: [], paths: [] }), seenMs, rules, ...(nowMs !== undefined ? { nowMs } : {}) })
  }

  it('counts once per job id, keeps the last K samples newest first, tracks first and last seen', async () => {
    const store = new MismatchStore(redis, 'p1', { samplesPerGroup: 2, maxGroups: 10, sampleTtlMs: 60_000 })
    expect(await record(store, 'fpA', 'j1', 2_000)).toBe(true)
    expect(await record(store, 'fpA', 'j2', 1_000)).toBe(true)
    expect(await record(store, 'fpA', 'j3', 3_000)).toBe(true)
    expect(await record(store, 'fpA', 'j2', 1_000)).toBe(false)
    const [g] = await store.list({ limit: 10 })
    expect(g).toMatchObject({ fingerprint: 'fpA', route: 'r1', count: 3, firstSeen: new Date(1_000).toISOString(), lastSeen: new Date(3_000).toISOString() })
    expect(g!.samples.map((s) => s.jobId)).toEqual(['j3', 'j2'])
    const ttl = await redis.pttl(mismatchSamplesKey('p1', 'fpA'))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)
    expect(await redis.pttl(mismatchGroupKey('p1', 'fpA'))).toBeGreaterThan(0)
  })

  it('keeps at most maxGroups groups, deleting the least recently seen with their samples', async () => {
    const store = new MismatchStore(redis, 'p2', { samplesPerGroup: 1, maxGroups: 2, sampleTtlMs: 60_000 })
    await record(store, 'old', 'a', 1, 1_000)
    await record(store, 'mid', 'b', 1, 2_000)
    await record(store, 'old', 'c', 1, 3_000)
    await record(store, 'new', 'd', 1, 4_000)
    expect((await store.list({ limit: 10 })).map((g) => g.fingerprint).sort()).toEqual(['new', 'old'])
    expect(await redis.exists(mismatchGroupKey('p2', 'mid'), mismatchSamplesKey('p2', 'mid'), `${mismatchGroupKey('p2', 'mid')}:jobs`)).toBe(0)
    expect(await redis.zcard(mismatchIndexKey('p2'))).toBe(2)
  })

  it('lists largest first, filters by route, honours limit and forgets expired groups', async () => {
    const store = new MismatchStore(redis, 'p3', { samplesPerGroup: 1, maxGroups: 10, sampleTtlMs: 60_000 })
    await record(store, 'one', 'a', 1)
    await record(store, 'two', 'b', 1)
    await record(store, 'two', 'c', 1)
    expect((await store.list({ limit: 10 })).map((g) => [g.fingerprint, g.count])).toEqual([
      ['two', 2],
      ['one', 1],
    ])
    expect(await store.list({ limit: 1 })).toHaveLength(1)
    expect(await store.list({ route: 'other', limit: 10 })).toEqual([])
    await redis.del(mismatchGroupKey('p3', 'one'))
    expect((await store.list({ limit: 10 })).map((g) => g.fingerprint)).toEqual(['two'])
    expect(await redis.zrange(mismatchIndexKey('p3'), 0, -1)).toEqual(['two'])
  })

  it('marks groups found under other rules stale, lists them after current ones, and a new hit under new rules starts the group afresh', async () => {
    const store = new MismatchStore(redis, 'p4', { samplesPerGroup: 5, maxGroups: 10, sampleTtlMs: 60_000 })
    await record(store, 'noise', 'a', 1_000, undefined, 'old-rules')
    await record(store, 'noise', 'b', 2_000, undefined, 'old-rules')
    await record(store, 'finding', 'c', 3_000, undefined, 'new-rules')
    const current = (): string => 'new-rules'
    const listed = await store.list({ limit: 10, currentRules: current })
    expect(listed.map((g) => [g.fingerprint, g.count, g.stale, g.rules])).toEqual([
      ['finding', 1, false, 'new-rules'],
      ['noise', 2, true, 'old-rules'],
    ])
    // Without the reader's rules nothing can be called stale.
    expect((await store.list({ limit: 10 })).every((g) => !g.stale)).toBe(true)
    expect(await record(store, 'noise', 'd', 4_000, undefined, 'new-rules')).toBe(true)
    const fresh = (await store.list({ limit: 10, currentRules: current })).find((g) => g.fingerprint === 'noise')
    expect(fresh).toMatchObject({ fingerprint: 'noise', count: 1, stale: false, rules: 'new-rules', firstSeen: new Date(4_000).toISOString() })
    expect(fresh?.samples.map((s) => s.jobId)).toEqual(['d'])
    // A re-run of a job counted under the old rules still counts once.
    expect(await record(store, 'noise', 'b', 2_000, undefined, 'new-rules')).toBe(false)
  })

  it('lists only groups hit since a time', async () => {
    const store = new MismatchStore(redis, 'p5', { samplesPerGroup: 1, maxGroups: 10, sampleTtlMs: 60_000 })
    await record(store, 'early', 'a', 1_000)
    await record(store, 'late', 'b', 5_000)
    expect((await store.list({ limit: 10, sinceMs: 5_000 })).map((g) => g.fingerprint)).toEqual(['late'])
    expect((await store.list({ limit: 10, sinceMs: 0 })).map((g) => g.fingerprint).sort()).toEqual(['early', 'late'])
  })

  it('clears one route or every group, with samples and job ids', async () => {
    const store = new MismatchStore(redis, 'p6', { samplesPerGroup: 1, maxGroups: 10, sampleTtlMs: 60_000 })
    await record(store, 'x1', 'a', 1, undefined, 'r', 'orders')
    await record(store, 'x2', 'b', 1, undefined, 'r', 'orders')
    await record(store, 'y1', 'c', 1, undefined, 'r', 'users')
    expect(await store.clear('orders')).toBe(2)
    expect((await store.list({ limit: 10 })).map((g) => g.fingerprint)).toEqual(['y1'])
    expect(await redis.exists(mismatchGroupKey('p6', 'x1'), mismatchSamplesKey('p6', 'x1'), `${mismatchGroupKey('p6', 'x1')}:jobs`)).toBe(0)
    expect(await store.clear('nobody')).toBe(0)
    expect(await store.clear()).toBe(1)
    expect(await store.list({ limit: 10 })).toEqual([])
    expect(await redis.zcard(mismatchIndexKey('p6'))).toBe(0)
    // A job cleared with its group counts again (the finding is new to whoever cleared it).
    expect(await record(store, 'x1', 'a', 1, undefined, 'r', 'orders')).toBe(true)
  })
})

describe('buildMismatchSample redaction', () => {
  it('redacts credential and configured headers, configured body paths at any depth, and cuts long values', () => {
    const job = pairJob('r', jsonResponse({}, { headers: { 'Set-Cookie': 'sid=1', 'x-trace': 't' } }), jsonResponse({}), {
      headers: { authorization: 'Bearer x', cookie: 'c=1', 'x-tenant-key': 'k' },
    })
    const diffs: FieldDifference[] = [
      { path: '$.user', exactPath: '$.user', kind: 'changed', primary: { name: 'a', password: 'p1', cards: [{ pan: '1' }] }, shadow: { name: 'b', password: 'p2', cards: [{ pan: '2' }] } },
      { path: '$.token', exactPath: '$.token', kind: 'removed', primary: 'tok' },
      { path: 'header:x-tenant-key', exactPath: 'header:x-tenant-key', kind: 'changed', primary: 'k1', shadow: 'k2' },
      { path: '$.blob', exactPath: '$.blob', kind: 'changed', primary: 'x'.repeat(5_000), shadow: 'y' },
    ]
    const sample = buildMismatchSample(job, mismatch('fp', diffs), {
      headers: ['X-Tenant-Key'],
      paths: [parsePathPattern('$..password'), parsePathPattern('$.user.cards[*].pan'), parsePathPattern('$.token')],
    })
    expect(sample.requestHeaders).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'x-tenant-key': '[redacted]' })
    expect(sample.primary).toMatchObject({ headers: { 'Set-Cookie': '[redacted]', 'x-trace': 't' } })
    expect(sample.differences[0]).toMatchObject({
      primary: { name: 'a', password: '[redacted]', cards: [{ pan: '[redacted]' }] },
      shadow: { name: 'b', password: '[redacted]', cards: [{ pan: '[redacted]' }] },
    })
    expect(sample.differences[1]).toEqual({ path: '$.token', exactPath: '$.token', kind: 'removed', primary: '[redacted]' })
    expect(sample.differences[2]).toMatchObject({ primary: '[redacted]', shadow: '[redacted]' })
    expect(String(sample.differences[3]!.primary)).toMatch(/^"x{2047}… \[cut, 5002 characters\]$/)
    expect(JSON.stringify(sample)).not.toMatch(/Bearer|p1|p2|tok"|k1/)
  })
})

// Regression: "redaction misses spellings a server would read as the same parameter", on the
// worker's side: whatever a job carries, the sample served by GET /mismatches holds no spelling in clear.
describe('buildMismatchSample: spellings of redacted parameters, headers and body keys', () => {
  it('redacts query and path parameters again, in every spelling, with the configured names', () => {
    const base = pairJob('r', jsonResponse({}), jsonResponse({}))
    const job = { ...base, request: { ...base.request, path: '/r;Token=S3CR3T-1/x', query: 'a=1;token[]=S3CR3T-2&TOKEN[0]=S3CR3T-3&api.key=S3CR3T-4&%74oken=S3CR3T-5' } }
    const sample = buildMismatchSample(job, mismatch('fp'), { headers: [], paths: [], query: ['token', 'api_key'] })
    expect(sample.path).toBe('/r;Token=[redacted]/x')
    expect(sample.query).toBe('a=1;token[]=[redacted]&TOKEN[0]=[redacted]&api.key=[redacted]&%74oken=[redacted]')
    expect(JSON.stringify(sample)).not.toContain('S3CR3T')
  })

  it('redacts headers in any case, repeated, and with `_` for `-` (as CGI-style servers read them)', () => {
    const job = pairJob('r', jsonResponse({}, { headers: { 'X_API_KEY': 'S3CR3T-1', 'x-api-key': ['S3CR3T-2', 'S3CR3T-3'] } }), jsonResponse({}), {
      headers: { 'X-Api-Key': 'S3CR3T-4', x_api_key: 'S3CR3T-5', Proxy_Authorization: 'S3CR3T-6' },
    })
    const diffs: FieldDifference[] = [{ path: 'header:x_api_key', exactPath: 'header:x_api_key', kind: 'changed', primary: 'S3CR3T-7', shadow: ['S3CR3T-8', 'S3CR3T-9'] }]
    const sample = buildMismatchSample(job, mismatch('fp', diffs), { headers: ['x-api-key'], paths: [], identityHeader: 'X_Api_Key' })
    expect(sample.requestHeaders).toMatchObject({ 'X-Api-Key': '[redacted]', x_api_key: '[redacted]', Proxy_Authorization: '[redacted]' })
    expect(JSON.stringify(sample)).not.toContain('S3CR3T')
    expect(sample.caller).toBe('[redacted]')
  })

  it('redacts body keys in any case (Go and ASP.NET Core bind them case-insensitively)', () => {
    const diffs: FieldDifference[] = [
      { path: '$.Password', exactPath: '$.Password', kind: 'changed', primary: 'S3CR3T-1', shadow: 'S3CR3T-2' },
      { path: '$.user', exactPath: '$.user', kind: 'changed', primary: { PASSWORD: 'S3CR3T-3' }, shadow: { passWord: 'S3CR3T-4' } },
      { path: '$.CARD.Number', exactPath: '$.CARD.Number', kind: 'removed', primary: 'S3CR3T-5' },
    ]
    const sample = buildMismatchSample(pairJob('r', jsonResponse({}), jsonResponse({})), mismatch('fp', diffs), {
      headers: [],
      paths: [parsePathPattern('$..password'), parsePathPattern('$.card.number')],
    })
    expect(JSON.stringify(sample)).not.toContain('S3CR3T')
    expect(sample.differences[1]).toMatchObject({ primary: { PASSWORD: '[redacted]' }, shadow: { passWord: '[redacted]' } })
  })
})
