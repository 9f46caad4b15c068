import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AUDIT_QUEUE_NAME, parseConfig, type AuditJob } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runNoiseCommand } from '../../../audit-service/src/cli/run-noise-command.js'
import type { MismatchGroup } from '../../../audit-service/src/mismatch/mismatch-group.js'
import { createAuditService, type AuditService } from '../../../audit-service/src/worker/audit-service.js'
import { waitFor, startServer, type TestServer, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { capturedPair } from '../recheck/real-pairs.js'

const PREFIX = 'aa'
const SAMPLED = 10

let tick = 0
/** A time with microseconds, so that two answers in the same millisecond still differ. */
function now(): string {
  tick = (tick + 1) % 1000
  return new Date().toISOString().replace('Z', `${String(tick).padStart(3, '0')}Z`)
}

function capture(): { io: Parameters<typeof runNoiseCommand>[1] & object; out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { USER: 'tester' } }, out: () => out, err: () => err }
}

function pathsOf(g: MismatchGroup): string[] {
  return g.paths.map((p) => p.path)
}

describe('A/A noise: learnt from two answers of the shadow, suggested, suppressed (real upstreams, Redis)', () => {
  let redis: TestRedis
  let primary: TestServer
  let shadow: TestServer
  let service: AuditService
  let queue: Queue
  let dir: string
  let configPath: string

  const groups = async (route: string): Promise<MismatchGroup[]> => await service.store.list({ route, limit: 100 })
  const total = async (route: string): Promise<number> => (await groups(route)).reduce((n, g) => n + g.count, 0)
  const jobsTotal = async (route: string, outcome: string, reason: string): Promise<number> => {
    const m = await service.metrics.registry.getSingleMetric('shadowgate_audit_jobs_total')?.get()
    return m?.values.find((v) => v.labels.route === route && v.labels.outcome === outcome && v.labels.reason === reason)?.value ?? 0
  }
  const send = async (route: string, n: number): Promise<void> => {
    const jobs: AuditJob[] = []
    for (let i = 0; i < n; i++) jobs.push(await capturedPair(route, primary.url, shadow.url, `/${route}/${i}`))
    await queue.add('pairs', { v: 1, kind: 'batch', pairs: jobs }, { jobId: `b-${jobs[0]?.id ?? 'none'}` })
  }

  beforeAll(async () => {
    redis = await startRedis()
    // Every answer has a new id and time (volatile), and the shadow's price really differs.
    const answer = (price: number) => (_req: unknown, res: ServerResponse) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ id: randomUUID(), generatedAt: now(), name: 'chair', price }))
    }
    primary = await startServer(answer(10))
    shadow = await startServer(answer(11))
    dir = await mkdtemp(join(tmpdir(), 'sg-noise-'))
    configPath = join(dir, 'shadowgate.yaml')
    const yaml = `
primary: ${primary.url}
shadow: ${shadow.url}
redis: { url: "${redis.url}", prefix: ${PREFIX} }
routes:
  - { name: vol, match: "/vol/*", mirror: { percent: 100 }, noise: { sample: 1, maxRate: 1000 } }
  - { name: plain, match: "/plain/*", mirror: { percent: 100 }, noise: { sample: 0 } }
`
    await writeFile(configPath, yaml)
    service = createAuditService(parseConfig(yaml), { logger: pino({ level: 'silent' }), noiseCacheMs: 0 })
    await service.start()
    queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX })
    await send('plain', 3)
    await send('vol', SAMPLED)
    await waitFor(async () => (await service.rechecks.noiseSamples('vol', 'recorded')) === SAMPLED && (await total('vol')) + (await jobsTotal('vol', 'match', 'noise')) === SAMPLED && (await total('plain')) === 3, 20_000, 'the A/A samples')
  }, 60_000)

  afterAll(async () => {
    await queue?.close()
    await service?.close()
    await Promise.all([redis?.close(), primary?.close(), shadow?.close()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('suppresses nothing without A/A data: every differing path is reported', async () => {
    expect((await groups('plain')).map((g) => [g.count, pathsOf(g)])).toEqual([[3, ['$.generatedAt', '$.id', '$.price']]])
    expect(shadow.received.filter((r) => r.url.startsWith('/plain/') && r.headers['x-shadowgate-noise'] !== undefined)).toEqual([])
  })

  it('sends each sampled request twice to the shadow only, marked, and suggests the volatile paths with their evidence', async () => {
    expect(shadow.received.filter((r) => r.headers['x-shadowgate-noise'] === '1' && r.headers['x-shadowgate-mirror'] === '1').length).toBe(2 * SAMPLED)
    expect(primary.received.filter((r) => r.headers['x-shadowgate-noise'] !== undefined)).toEqual([])
    const c = capture()
    expect(await runNoiseCommand(['suggest', '--route', 'vol', '--config', configPath], c.io)).toBe(0)
    expect(c.out()).toContain(`route vol: ${SAMPLED} A/A pairs`)
    expect(c.out()).toContain(`audit.ignore: "$.generatedAt"  seen in 100 % of A/A pairs over ${SAMPLED} pairs; a time`)
    expect(c.out()).toContain(`audit.ignore: "$.id"  seen in 100 % of A/A pairs over ${SAMPLED} pairs; a UUID`)
    expect(c.out()).not.toContain('$.price')
  })

  it('after the sample, reports only the real difference: the volatile paths are suppressed as noise', async () => {
    const before = new Map((await groups('vol')).map((g) => [pathsOf(g).join(','), g.count]))
    await send('vol', 5)
    await waitFor(async () => (await total('vol')) === [...before.values()].reduce((a, b) => a + b, 0) + 5, 20_000, 'five more vol pairs')
    const after = new Map((await groups('vol')).map((g) => [pathsOf(g).join(','), g.count]))
    expect((after.get('$.price') ?? 0) - (before.get('$.price') ?? 0)).toBe(5)
    expect(after.get('$.generatedAt,$.id,$.price')).toBe(before.get('$.generatedAt,$.id,$.price'))
  })

  it('applies an ignore rule at run time through Redis, with a ttl and a change-log entry', async () => {
    const bad = capture()
    expect(await runNoiseCommand(['apply', 'nosuch', '$.price', '--config', configPath], bad.io)).toBe(2)
    expect(bad.err()).toContain('route "nosuch" is not in the config')
    expect(await runNoiseCommand(['apply', 'vol', '$.price[', '--config', configPath], capture().io)).toBe(2)
    const c = capture()
    expect(await runNoiseCommand(['apply', 'vol', '$.price', '--ttl', '1h', '--config', configPath], c.io)).toBe(0)
    expect(c.out()).toContain('route vol now ignores $.price on every audit worker')
    const list = capture()
    expect(await runNoiseCommand(['list', '--json', '--config', configPath], list.io)).toBe(0)
    const listed = JSON.parse(list.out()) as { rules: { route: string; path: string; expiresAt: number; by: string }[]; changes: { action: string; by: string }[] }
    expect(listed.rules.map((r) => [r.route, r.path, r.by])).toEqual([['vol', '$.price', 'tester']])
    expect(listed.rules[0]?.expiresAt).toBeGreaterThan(Date.now() + 3_500_000)
    expect(listed.changes.map((x) => [x.action, x.by])).toEqual([['apply', 'tester']])

    const groupsBefore = await total('vol')
    const noiseBefore = await jobsTotal('vol', 'match', 'noise')
    await send('vol', 2)
    await waitFor(async () => (await jobsTotal('vol', 'match', 'noise')) === noiseBefore + 2, 20_000, 'two pairs judged as noise')
    expect(await total('vol')).toBe(groupsBefore)
  })
})
