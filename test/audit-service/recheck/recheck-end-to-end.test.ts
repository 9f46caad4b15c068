import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig, type AuditJob } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMismatchesCommand } from '../../../audit-service/src/cli/run-mismatches-command.js'
import { createAuditService, type AuditService } from '../../../audit-service/src/worker/audit-service.js'
import { waitFor, startServer, type TestServer, startInfluxd, type TestInflux, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { capturedPair } from './real-pairs.js'

const PREFIX = 'rc'
// Short, injected delays: the shadow's data lags by LAG_MS, the first re-check runs after DELAY_MS.
const LAG_MS = 300
const DELAY_MS = 900
const SECOND_DELAY_MS = 300
const BURST = 12
const BURST_RATE = 2

/**
 * Versions of one record: the primary serves the latest write at once, the shadow (a lagging replica)
 * only LAG_MS after it was written. Routes `real` and `burst` have a shadow that always adds 1.
 */
function upstreams(): { write(value: number): void; answer(side: 'primary' | 'shadow', url: string): unknown } {
  const writes = [{ at: 0, value: 0 }]
  return {
    write: (value) => writes.push({ at: performance.now(), value }),
    answer(side, url) {
      const now = performance.now()
      if (url.startsWith('/lag/')) {
        const seen = side === 'primary' ? writes : writes.filter((w) => w.at <= now - LAG_MS)
        return { id: 1, value: seen[seen.length - 1]?.value }
      }
      return { id: 2, price: side === 'primary' ? 10 : 11 }
    },
  }
}

function configYaml(primary: string, shadow: string, redisUrl: string, influxUrl: string): string {
  const rc = (rate: number): string => `{ enabled: true, delay: ${DELAY_MS}ms, secondDelay: ${SECOND_DELAY_MS}ms, maxShare: 1, maxRate: ${rate}, headers: { authorization: "Bearer recheck-token" } }`
  return `
primary: ${primary}
shadow: ${shadow}
redis: { url: "${redisUrl}", prefix: ${PREFIX} }
influx: { url: "${influxUrl}", database: sg, flushInterval: 50ms }
mirror: { timeout: 2s }
routes:
  - { name: lag, match: "/lag/*", mirror: { percent: 100 }, recheck: ${rc(100)}, noise: { sample: 0 } }
  - { name: real, match: "/real/*", mirror: { percent: 100 }, recheck: ${rc(100)}, noise: { sample: 0 } }
  - { name: burst, match: "/burst/*", mirror: { percent: 100 }, recheck: ${rc(BURST_RATE)}, noise: { sample: 0 } }
`
}

describe('re-checks of suspect mismatches (real upstreams, Redis, influxd)', () => {
  let redis: TestRedis
  let influx: TestInflux
  let primary: TestServer
  let shadow: TestServer
  let service: AuditService
  let queue: Queue
  let dir: string
  let burstElapsedMs = 0
  const data = upstreams()

  const enqueue = async (jobs: readonly AuditJob[]): Promise<void> => {
    await queue.add('pairs', { v: 1, kind: 'batch', pairs: jobs }, { jobId: `b-${jobs[0]?.id ?? 'none'}` })
  }
  const final = async (route: string): Promise<number> =>
    (await service.rechecks.rechecks(route, 'resolved')) + (await service.rechecks.rechecks(route, 'persistent')) + (await service.rechecks.rechecks(route, 'indeterminate'))
  const countBy = async (q: string, tags: readonly string[]): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {}
    for (const s of await influx.query(q, 'sg')) out[tags.map((t) => s.tags?.[t] ?? '').join('/')] = s.values[0]?.[1]
    return out
  }

  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    ;[redis, influx] = await Promise.all([startRedis(), startInfluxd()])
    await influx.createDatabase('sg')
    primary = await startServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(data.answer('primary', req.url ?? '/')))
    })
    shadow = await startServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(data.answer('shadow', req.url ?? '/')))
    })
    dir = await mkdtemp(join(tmpdir(), 'sg-recheck-'))
    const yaml = configYaml(primary.url, shadow.url, redis.url, influx.url)
    await writeFile(join(dir, 'shadowgate.yaml'), yaml)
    service = createAuditService(parseConfig(yaml), { logger: pino({ level: process.env['SG_DEBUG'] ? 'debug' : 'silent' }) })
    await service.start()
    queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX })

    // A write, then at once the read the gateway mirrors: the primary has it, the lagging shadow not yet.
    await capturedPair('lag', primary.url, shadow.url, '/lag/1') // warms up connections and code
    const lagJobs: AuditJob[] = []
    for (let i = 1; i <= 3; i++) {
      data.write(i)
      lagJobs.push(await capturedPair('lag', primary.url, shadow.url, '/lag/1'))
    }
    expect(lagJobs.map((j) => j.primary.kind === 'response' && j.shadow.kind === 'response' && j.primary.body.data !== j.shadow.body.data)).toEqual([true, true, true])
    const realJobs = [await capturedPair('real', primary.url, shadow.url, '/real/2'), await capturedPair('real', primary.url, shadow.url, '/real/2', 'POST')]
    await enqueue([...lagJobs, ...realJobs])
    await waitFor(async () => (await final('lag')) === 3 && (await final('real')) === 1, 20_000, 'the re-checks of lag and real')

    const burstJobs: AuditJob[] = []
    for (let i = 0; i < BURST; i++) burstJobs.push(await capturedPair('burst', primary.url, shadow.url, `/burst/${i}`))
    const started = performance.now()
    await enqueue(burstJobs)
    await waitFor(async () => (await service.rechecks.rechecks('burst', 'scheduled')) + (await service.rechecks.rechecks('burst', 'unverified')) === BURST, 20_000, 'every burst pair reviewed')
    burstElapsedMs = performance.now() - started
    const scheduled = await service.rechecks.rechecks('burst', 'scheduled')
    await waitFor(async () => (await final('burst')) === scheduled, 20_000, 'the burst re-checks')
    await waitFor(() => service.influxStats()?.pendingLines === 0, 10_000, 'InfluxDB writes')
  }, 90_000)

  afterAll(async () => {
    await queue?.close()
    await service?.close()
    await Promise.all([redis?.close(), influx?.close(), primary?.close(), shadow?.close()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('resolves a lagging shadow: a re-check matches, the pair counts as a match with its delay, never as persistent', async () => {
    expect(await service.rechecks.rechecks('lag', 'resolved')).toBe(3)
    expect(await service.rechecks.rechecks('lag', 'persistent')).toBe(0)
    expect(await countBy(`SELECT count(judged) FROM shadowgate_audit WHERE route = 'lag' GROUP BY outcome, recheck`, ['outcome', 'recheck'])).toEqual({ 'match/resolved': 3 })
    const rows = (await influx.query(`SELECT mismatch, reason, recheck_ms FROM shadowgate_audit WHERE route = 'lag'`, 'sg'))[0]?.values
    expect(rows?.map((r) => r.slice(1))).toEqual([
      [0, 'resolved', DELAY_MS],
      [0, 'resolved', DELAY_MS],
      [0, 'resolved', DELAY_MS],
    ])
    expect((await service.store.list({ route: 'lag', limit: 10 })).length).toBe(0)
  })

  it('keeps a real difference: both re-checks differ the same way, the pair is a persistent mismatch with its group', async () => {
    expect(await countBy(`SELECT count(judged) FROM shadowgate_audit WHERE route = 'real' AND method = 'GET' GROUP BY outcome, recheck`, ['outcome', 'recheck'])).toEqual({ 'mismatch/persistent': 1 })
    const groups = await service.store.list({ route: 'real', limit: 10 })
    expect(groups.map((g) => [g.count, g.paths])).toEqual([[2, [{ path: '$.price', kind: 'changed' }]]])
    // The GET is recorded last, once its re-checks are done: it is the latest sample.
    expect(groups[0]?.samples.map((x) => [x.method, x.recheck?.state])).toEqual([
      ['GET', 'persistent'],
      ['POST', undefined],
    ])
    const c = { out: '' }
    const io = { stdout: { write: (t: string) => (c.out += t) }, stderr: { write: () => undefined }, env: {} }
    expect(await runMismatchesCommand(['--route', 'real', '--config', join(dir, 'shadowgate.yaml'), '--no-color'], io)).toBe(0)
    expect(c.out).toContain('latest sample: GET /real/2')
    expect(c.out).toContain(`re-check: persistent after ${DELAY_MS + SECOND_DELAY_MS} ms`)
  })

  it('never sends an unsafe method again: the POST mismatch counts as judged, without a re-check tag', async () => {
    expect(await countBy(`SELECT count(judged) FROM shadowgate_audit WHERE route = 'real' AND method = 'POST' GROUP BY outcome, recheck`, ['outcome', 'recheck'])).toEqual({ 'mismatch/': 1 })
    expect([...primary.received, ...shadow.received].filter((r) => r.method === 'POST' && r.headers['x-shadowgate-recheck'] !== undefined)).toEqual([])
  })

  it('sends re-checks with the markers and the route-declared credentials, never the redacted placeholder', () => {
    const rechecks = shadow.received.filter((r) => r.headers['x-shadowgate-recheck'] === '1')
    // lag: one stage each; real: two stages.
    expect(rechecks.filter((r) => r.url === '/lag/1').length).toBe(3)
    expect(rechecks.filter((r) => r.url === '/real/2').length).toBe(2)
    for (const r of rechecks) {
      expect(r.method).toBe('GET')
      expect(r.headers['x-shadowgate-mirror']).toBe('1')
      expect(r.headers.authorization).toBe('Bearer recheck-token')
    }
    expect(primary.received.filter((r) => r.headers['x-shadowgate-recheck'] === '1').length).toBe(rechecks.length)
  })

  it('holds the budget under a burst: re-checks stay within the rate, the rest count as unverified mismatches', async () => {
    const scheduled = await service.rechecks.rechecks('burst', 'scheduled')
    const unverified = await service.rechecks.rechecks('burst', 'unverified')
    expect(scheduled + unverified).toBe(BURST)
    expect(scheduled).toBeGreaterThanOrEqual(1)
    expect(unverified).toBeGreaterThan(0)
    expect(scheduled).toBeLessThanOrEqual(BURST_RATE + Math.floor((BURST_RATE * burstElapsedMs) / 1000))
    expect(await countBy(`SELECT count(judged) FROM shadowgate_audit WHERE route = 'burst' GROUP BY recheck`, ['recheck'])).toEqual({ persistent: scheduled, unverified })
    expect(await countBy(`SELECT sum(mismatch) FROM shadowgate_audit WHERE route = 'burst'`, [])).toEqual({ '': BURST })
  })
})
