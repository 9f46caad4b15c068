import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_PAIR_JOB_NAME, AUDIT_QUEUE_NAME, parseConfig, type AuditJob, type ShadowgateConfig, auditRulesFingerprint } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMismatchesCommand } from '../../../audit-service/src/cli/run-mismatches-command.js'
import type { MismatchGroup } from '../../../audit-service/src/mismatch/mismatch-group.js'
import { createAuditService, type AuditService } from '../../../audit-service/src/worker/audit-service.js'
import { waitFor, startInfluxd, type TestInflux, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { enqueueBatches, jsonResponse, pairJob } from './pair-jobs.js'

const PREFIX = 'sgtest'

function configYaml(redisUrl: string, influxUrl: string): string {
  return `
primary: http://127.0.0.1:1
shadow: http://127.0.0.1:2
redis: { url: "${redisUrl}", prefix: ${PREFIX} }
influx: { url: "${influxUrl}", database: sg, flushInterval: 50ms }
audit:
  redactHeaders: [x-api-key]
  redactPaths: ["$.card.number"]
worker:
  concurrency: 3
  samplesPerGroup: 2
routes:
  - { name: orders, match: "/orders/*" }
  - { name: users, match: "/users/*" }
`
}

function capture(): { io: Parameters<typeof runMismatchesCommand>[1] & object; out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    io: { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s) }, env: {} },
    out: () => out,
    err: () => err,
  }
}

/** Runs a GROUP BY query and keys each count by its tag values, joined by "/" in the order of `tags`. */
async function countBy(influx: TestInflux, q: string, tags: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const s of await influx.query(q, 'sg')) out[tags.map((t) => s.tags?.[t]).join('/')] = s.values[0]?.[1] as number
  return out
}

describe('audit service end to end (real Redis, real influxd, batch jobs written by the gateway queue writer)', () => {
  let redis: TestRedis
  let influx: TestInflux
  let service: AuditService
  let queue: Queue
  let config: ShadowgateConfig
  let dir: string
  let configPath: string
  const mismatchJobs: AuditJob[] = []

  // Batch jobs, as the gateway writes them.
  const enqueue = (pairs: readonly (AuditJob | Record<string, unknown>)[], batchSize?: number): Promise<void> => enqueueBatches(redis.url, PREFIX, pairs, batchSize)

  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    ;[redis, influx] = await Promise.all([startRedis(), startInfluxd()])
    await influx.createDatabase('sg')
    dir = await mkdtemp(join(tmpdir(), 'sg-audit-'))
    configPath = join(dir, 'shadowgate.yaml')
    const yaml = configYaml(redis.url, influx.url)
    await writeFile(configPath, yaml)
    config = parseConfig(yaml)
    service = createAuditService(config, { logger: pino({ level: 'silent' }) })
    await service.start()
    queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX })

    const jobs: (AuditJob | Record<string, unknown>)[] = []
    for (let i = 0; i < 5; i++) jobs.push(pairJob('orders', jsonResponse({ id: i, price: 10 }), jsonResponse({ id: i, price: 10 })))
    for (let i = 0; i < 3; i++) {
      const j = pairJob(
        'orders',
        jsonResponse({ price: 10, card: { number: '4111-secret' } }, { headers: { 'set-cookie': 'sid=cookie-secret' } }),
        jsonResponse({ price: 12, card: { number: '4222-secret' } }, { latencyMs: 9 }),
        { headers: { authorization: 'Bearer token-secret', cookie: 'sid=cookie-secret', 'x-api-key': 'key-secret' } },
      )
      mismatchJobs.push(j)
      jobs.push(j)
    }
    jobs.push(pairJob('users', jsonResponse({ ok: true }), { kind: 'error', error: 'refused', message: 'connect ECONNREFUSED', latencyMs: 1 }, { method: 'POST' }))
    // A route the config no longer has: judged with the default rules.
    jobs.push(pairJob('legacy', jsonResponse({ a: 1 }), jsonResponse({ a: 1 })))
    jobs.push({ v: 1, id: 'not-a-job', route: 'orders', request: { method: 'GET' } })
    // Two gateway instances whose clocks produced the very same capture time: both pairs must count.
    jobs.push(pairJob('users', jsonResponse({}), jsonResponse({}), { instance: 'gw-a', capturedAtNs: '1700000001000000007' }))
    jobs.push(pairJob('users', jsonResponse({}), jsonResponse({}), { instance: 'gw-b', capturedAtNs: '1700000001000000007' }))
    await enqueue(jobs)
    await waitFor(async () => (await influx.query('SELECT count(judged) FROM shadowgate_audit', 'sg'))[0]?.values[0]?.[1] === 13, 30_000, '13 audit points')
    await waitFor(async () => (await queue.getJobCounts('wait', 'active')).active === 0, 10_000, 'the queue to drain')
  })

  afterAll(async () => {
    await queue?.close()
    await service?.close()
    await Promise.all([redis?.close(), influx?.close()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('writes one shadowgate_audit point per pair: exact counts per route and outcome', async () => {
    expect(await countBy(influx, 'SELECT count(judged) FROM shadowgate_audit GROUP BY route, outcome', ['route', 'outcome'])).toEqual({
      'orders/match': 5,
      'orders/mismatch': 3,
      'orders/skipped': 1,
      'users/shadow_error': 1,
      'users/match': 2,
      'legacy/match': 1,
    })
    expect(await countBy(influx, 'SELECT sum(mismatch) FROM shadowgate_audit GROUP BY route', ['route'])).toEqual({ orders: 3, users: 0, legacy: 0 })
    const skipped = await influx.query(`SELECT reason, primary_status FROM shadowgate_audit WHERE outcome = 'skipped'`, 'sg')
    expect(skipped[0]?.values.map((v) => v[1])).toEqual(['invalid_job'])
    const users = await influx.query(`SELECT shadow_status, primary_status, reason FROM shadowgate_audit WHERE route = 'users' AND outcome = 'shadow_error'`, 'sg')
    expect(users[0]?.values[0]?.slice(1)).toEqual([0, 200, 'refused'])
    const methods = await countBy(influx, `SELECT count(judged) FROM shadowgate_audit WHERE route = 'users' GROUP BY method`, ['method'])
    expect(methods).toEqual({ GET: 2, POST: 1 })
  })

  it('writes shadowgate_field_diff per differing path with the pair time', async () => {
    expect(await countBy(influx, 'SELECT sum(elements) FROM shadowgate_field_diff GROUP BY route, path, kind', ['route', 'path', 'kind'])).toEqual({
      'orders/$.price/changed': 3,
      'orders/$.card.number/changed': 3,
    })
    const auditTimes = (await influx.query(`SELECT mismatch FROM shadowgate_audit WHERE outcome = 'mismatch'`, 'sg'))[0]?.values.map((v) => v[0])
    const diffTimes = (await influx.query(`SELECT pairs FROM shadowgate_field_diff WHERE path = '$.price'`, 'sg'))[0]?.values.map((v) => v[0])
    expect(diffTimes).toEqual(auditTimes)
  })

  it('keeps one mismatch group with count, first/last seen and redacted samples', async () => {
    const groups = await service.store.list({ limit: 10 })
    expect(groups).toHaveLength(1)
    const g = groups[0]!
    expect(g).toMatchObject({ route: 'orders', count: 3, primaryStatus: 200, shadowStatus: 200, reason: 'body' })
    expect(g.paths).toEqual([
      { path: '$.card.number', kind: 'changed' },
      { path: '$.price', kind: 'changed' },
    ])
    const seen = mismatchJobs.map((j) => new Date(Number(j.capturedAtNs.slice(0, -6))).toISOString())
    expect(g.firstSeen).toBe(seen[0])
    expect(g.lastSeen).toBe(seen[2])
    expect(g.samples).toHaveLength(2)
    const s = g.samples[0]!
    expect(s.requestHeaders).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]', accept: 'application/json' })
    expect(s.primary).toMatchObject({ kind: 'response', status: 200, headers: { 'set-cookie': '[redacted]' } })
    const card = s.differences.find((d) => d.path === '$.card.number')
    expect(card).toMatchObject({ primary: '[redacted]', shadow: '[redacted]' })
    expect(s.differences.find((d) => d.path === '$.price')).toMatchObject({ primary: 10, shadow: 12 })
    // Nothing secret anywhere in Redis.
    const r = new Redis(redis.url)
    try {
      const keys = await r.keys(`${PREFIX}:mismatch:*`)
      for (const k of keys) {
        const type = await r.type(k)
        const dump = type === 'hash' ? JSON.stringify(await r.hgetall(k)) : type === 'list' ? JSON.stringify(await r.lrange(k, 0, -1)) : ''
        expect(dump).not.toMatch(/secret/)
      }
    } finally {
      r.disconnect()
    }
  })

  it('a job BullMQ runs again does not add a point nor count twice in its group', async () => {
    const again = mismatchJobs[1]!
    await enqueue([again])
    await waitFor(async () => (await service.metrics.registry.getSingleMetricAsString('shadowgate_audit_mismatch_records_total')).includes('result="duplicate"} 1'), 15_000, 'the re-run')
    expect((await influx.query('SELECT count(judged) FROM shadowgate_audit', 'sg'))[0]?.values[0]?.[1]).toBe(13)
    expect((await service.store.list({ limit: 1 }))[0]?.count).toBe(3)
  })

  it('serves GET /mismatches, /healthz and /metrics', async () => {
    const res = await service.http.inject({ url: '/mismatches?route=orders&limit=5' })
    expect(res.statusCode).toBe(200)
    const body = res.json() as { groups: MismatchGroup[] }
    expect(body.groups.map((g) => [g.route, g.count])).toEqual([['orders', 3]])
    expect((await service.http.inject({ url: '/mismatches?route=users' })).json()).toEqual({ groups: [] })
    const bad = await service.http.inject({ url: '/mismatches?limit=0' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({ error: { code: 'SG_AUDIT_API_BAD_REQUEST', message: expect.stringMatching(/limit must be a whole number between 1 and 1000/) } })
    expect((await service.http.inject({ url: '/healthz' })).statusCode).toBe(200)
    const metrics = (await service.http.inject({ url: '/metrics' })).body
    expect(metrics).toContain('shadowgate_audit_jobs_total{route="orders",outcome="mismatch",reason="body"} 4')
    expect(metrics).toContain('shadowgate_audit_jobs_total{route="orders",outcome="skipped",reason="invalid_job"} 1')
    expect(metrics).toMatch(/shadowgate_audit_influx_written_lines_total \d+/)
    expect(metrics).toContain('shadowgate_audit_influx_dropped_lines_total 0')
  })

  it('`mismatches --config` prints the groups with a diff of one sample', async () => {
    const c = capture()
    expect(await runMismatchesCommand(['--config', configPath, '--route', 'orders', '--no-color'], c.io)).toBe(0)
    const out = c.out()
    expect(out).toContain('1 mismatch group for route orders')
    expect(out).toMatch(/#1 orders\s+count 3\s+status 200 → 200/)
    expect(out).toContain('paths: $.card.number (changed), $.price (changed)')
    expect(out).toMatch(/\$\.price/)
    expect(out).not.toMatch(/secret/)
    expect(out.includes('\u001b[')).toBe(false)
    const colored = capture()
    expect(await runMismatchesCommand(['mismatches', '--config', configPath, '--color'], colored.io)).toBe(0)
    expect(colored.out().includes('\u001b[')).toBe(true)
  })

  it('`mismatches --url` asks a running worker over HTTP and prints the same', async () => {
    const address = await service.http.listen({ host: '127.0.0.1', port: 0 })
    const viaUrl = capture()
    expect(await runMismatchesCommand(['--url', address, '--no-color'], viaUrl.io)).toBe(0)
    const viaRedis = capture()
    expect(await runMismatchesCommand(['--config', configPath, '--no-color'], viaRedis.io)).toBe(0)
    expect(viaUrl.out()).toBe(viaRedis.out())
    const json = capture()
    expect(await runMismatchesCommand(['--url', address, '--json', '--limit', '1'], json.io)).toBe(0)
    expect((JSON.parse(json.out()) as { groups: MismatchGroup[] }).groups[0]?.count).toBe(3)
  })

  it('a batch job audits every pair: one point per pair, a bad pair skipped alone, groups counted per pair id', async () => {
    const before = (await influx.query('SELECT count(judged) FROM shadowgate_audit', 'sg'))[0]?.values[0]?.[1] as number
    const fresh = [pairJob('legacy', jsonResponse({ b: 1 }), jsonResponse({ b: 1 })), pairJob('legacy', jsonResponse({ b: 2 }), jsonResponse({ b: 3 }))]
    const bad = { v: 1, id: 'bad-in-batch', route: 'legacy', capturedAtNs: '1700000002000000001', request: { method: 'PUT' } }
    // mismatchJobs[2] was audited before: inside a batch it rewrites its point and is a duplicate for its group.
    const pairs = [fresh[0]!, bad, mismatchJobs[2]!, fresh[1]!]
    await enqueue(pairs, pairs.length)
    await waitFor(async () => (await influx.query('SELECT count(judged) FROM shadowgate_audit', 'sg'))[0]?.values[0]?.[1] === before + 3, 15_000, 'three new points')
    await waitFor(async () => (await queue.getJobCounts('wait', 'active')).active === 0, 10_000, 'the batch to complete')
    expect(await countBy(influx, `SELECT count(judged) FROM shadowgate_audit WHERE route = 'legacy' GROUP BY outcome`, ['outcome'])).toEqual({ match: 2, mismatch: 1, skipped: 1 })
    const skipped = await influx.query(`SELECT reason, method FROM shadowgate_audit WHERE route = 'legacy' AND outcome = 'skipped'`, 'sg')
    expect(skipped[0]?.values.map((v) => [v[1], v[2]])).toEqual([['invalid_job', 'PUT']])
    expect((await service.store.list({ limit: 1 }))[0]?.count).toBe(3)
    const metrics = (await service.http.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/shadowgate_audit_jobs_total\{route="legacy",outcome="match",reason="[a-z_]+"\} 2/)
    expect(metrics).toContain('shadowgate_audit_jobs_total{route="orders",outcome="mismatch",reason="body"} 5')
  })
  it('a single-pair job of an older gateway (legacy "pair" job) is still audited', async () => {
    const before = (await influx.query('SELECT count(judged) FROM shadowgate_audit', 'sg'))[0]?.values[0]?.[1] as number
    const job = pairJob('older', jsonResponse({ c: 1 }), jsonResponse({ c: 1 }))
    await queue.add(AUDIT_PAIR_JOB_NAME, job, { jobId: job.id })
    await waitFor(async () => (await influx.query('SELECT count(judged) FROM shadowgate_audit', 'sg'))[0]?.values[0]?.[1] === before + 1, 15_000, 'the legacy job to be audited')
    expect(await countBy(influx, `SELECT count(judged) FROM shadowgate_audit WHERE route = 'older' GROUP BY outcome`, ['outcome'])).toEqual({ match: 1 })
    const metrics = (await service.http.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/shadowgate_audit_jobs_total\{route="older",outcome="match",reason="[a-z_]+"\} 1/)
  })

  it('a pair captured under other audit rules is still judged, and the worker says so in /metrics and /healthz', async () => {
    const own = auditRulesFingerprint(config.routes.find((r) => r.name === 'users')?.audit)
    expect((await service.http.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok', influxSchema: 2, rules: { users: own, orders: expect.stringMatching(/^[0-9a-f]{16}$/) }, drift: [] })
    const same = { ...pairJob('users', jsonResponse({ n: 1 }), jsonResponse({ n: 1 })), rulesFingerprint: own }
    const other = [1, 2].map((n) => ({ ...pairJob('users', jsonResponse({ n }), jsonResponse({ n })), rulesFingerprint: 'aaaaaaaaaaaaaaaa' }))
    await enqueue([same, ...other])
    await waitFor(async () => (await service.metrics.registry.getSingleMetricAsString('shadowgate_audit_rules_mismatch_pairs_total')).includes('route="users"} 2'), 15_000, 'two pairs under other rules')
    await waitFor(
      async () => {
        const c = await queue.getJobCounts('wait', 'active')
        return (c['wait'] ?? 0) + (c['active'] ?? 0) === 0
      },
      10_000,
      'the jobs to complete',
    )
    const health = (await service.http.inject({ url: '/healthz' })).json() as { drift: { route: string; pairRules: string; workerRules: string; pairs: number }[] }
    expect(health.drift).toEqual([expect.objectContaining({ route: 'users', pairRules: 'aaaaaaaaaaaaaaaa', workerRules: own, pairs: 2 })])
  })

  it('`mismatches --since` lists groups hit recently; another config with other rules marks them stale; `clear` deletes them', async () => {
    // The pairs of this suite were captured in 2023: nothing was hit in the last 10 minutes.
    const recent = capture()
    expect(await runMismatchesCommand(['--config', configPath, '--since', '10m', '--no-color'], recent.io)).toBe(0)
    expect(recent.out()).toBe('No mismatch groups hit in the last 10m.\n')
    const all = capture()
    expect(await runMismatchesCommand(['--config', configPath, '--since', '30000d', '--no-color'], all.io)).toBe(0)
    expect(all.out()).toMatch(/^2 mismatch groups hit in the last 30000d, largest first\n/)
    expect(all.out()).not.toContain('stale')
    const edited = join(dir, 'edited.yaml')
    await writeFile(edited, configYaml(redis.url, influx.url).replace('- { name: orders, match: "/orders/*" }', '- { name: orders, match: "/orders/*", audit: { ignore: [$.price] } }'))
    const stale = capture()
    expect(await runMismatchesCommand(['--config', edited, '--no-color'], stale.io)).toBe(0)
    expect(stale.out()).toContain('(1 stale: found under other audit rules than the current config, listed last)')
    expect(stale.out()).toMatch(/#2 orders\s+count 3 .*\[stale: audit rules changed since\]/)
    const viaUrl = (await service.http.inject({ url: '/mismatches' })).json() as { groups: MismatchGroup[] }
    expect(viaUrl.groups.map((g) => [g.route, g.stale])).toEqual([
      ['orders', false],
      ['legacy', false],
    ])
    const cleared = capture()
    expect(await runMismatchesCommand(['mismatches', 'clear', '--route', 'users', '--config', configPath], cleared.io)).toBe(0)
    expect(cleared.out()).toBe('Cleared 0 mismatch groups of route users.\n')
    expect(await service.store.list({ limit: 10 })).toHaveLength(2)
    const clearAll = capture()
    expect(await runMismatchesCommand(['clear', '--config', configPath], clearAll.io)).toBe(0)
    expect(clearAll.out()).toBe('Cleared 2 mismatch groups.\n')
    expect(await service.store.list({ limit: 10 })).toEqual([])
  })
})
