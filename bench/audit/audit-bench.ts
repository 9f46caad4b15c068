/**
 * Audit worker throughput: pairs per second of one worker (BullMQ fetch, decode, diff, InfluxDB
 * write) for 4 KB and 100 KB JSON pairs, 10 % of them mismatching. The pairs reach the queue the way
 * the gateway writes them: the gateway's AuditProducer captures and enqueues them in batch jobs.
 * Starts its own redis-server and influxd on free ports. Run: npm run bench:audit
 */
import { AuditProducer, GatewayMetrics, type MirrorPair, type ObservedResponse } from '@shadowgate/gateway'
import { AUDIT_QUEUE_NAME, parseConfig } from '@shadowgate/shared'
import { startInfluxd, startRedis, waitFor, type TestInflux, type TestRedis } from '@shadowgate/dev-helpers'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { setLogger } from '@influxdata/influxdb-client'
import { createAuditService } from '@shadowgate/audit-service'

// Each case has its own route so its InfluxDB points can be counted apart.
const CASES = [
  { label: '4 KB', bytes: 4 * 1024, pairs: 4_000, concurrency: 4, route: 'orders4k' },
  { label: '4 KB', bytes: 4 * 1024, pairs: 4_000, concurrency: 16, route: 'orders4kc16' },
  { label: '100 KB', bytes: 100 * 1024, pairs: 400, concurrency: 4, route: 'orders100k' },
]
type Case = (typeof CASES)[number]
const MISMATCH_EVERY = 10
const DB = 'bench'

function body(bytes: number, seed: number, mismatch: boolean): unknown {
  const items: unknown[] = []
  let size = 40
  for (let i = 0; size < bytes; i++) {
    const item = { id: i, sku: `SKU-${seed}-${i}`, name: `item number ${i} of order ${seed}`, price: mismatch && i === 3 ? 10.5 : 9.99, qty: i % 7, tags: ['a', 'b'] }
    size += JSON.stringify(item).length + 1
    items.push(item)
  }
  return { order: seed, currency: 'EUR', items }
}

function response(value: unknown, latencyMs: number): ObservedResponse {
  return { kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)), truncated: false, latencyMs }
}

function pair(i: number, c: Case): MirrorPair {
  const mismatch = i % MISMATCH_EVERY === 0
  const primary = response(body(c.bytes, i, false), 3)
  return {
    request: { id: `bench-${c.route}-${i}`, route: c.route, method: 'GET', url: `/orders/${i}`, headers: {}, body: Buffer.alloc(0), clientIp: '127.0.0.1', receivedAt: Date.now() },
    primary,
    // A shadow that answers the same bytes travels as a reference to the primary's body, as in production.
    shadow: mismatch ? response(body(c.bytes, i, true), 4) : { ...primary, latencyMs: 4 },
  }
}

/** Hands every pair to the gateway's producer (its real capture, batching and queue writer) and waits until all are enqueued. */
async function enqueue(redisUrl: string, prefix: string, c: Case): Promise<void> {
  const config = parseConfig(`
primary: http://127.0.0.1:1
shadow: http://127.0.0.1:2
redis: { url: "${redisUrl}", prefix: ${prefix} }
audit: { maxQueueDepth: 1000000, bufferSize: 10000 }
routes: [{ name: ${c.route}, match: "/orders/*" }]
`)
  const producer = new AuditProducer(config, { metrics: new GatewayMetrics(), instanceId: 'bench', logger: pino({ level: 'warn' }) })
  producer.start()
  try {
    for (let i = 0; i < c.pairs; i++) {
      const p = pair(i, c)
      // The gateway asks before capturing; a full buffer makes the bench wait instead of dropping.
      await waitFor(() => producer.stats().buffered < 5_000, 60_000, 'room in the producer buffer', 5)
      if (producer.accepts(c.route, p.request.id)) producer.push(p)
    }
    await waitFor(() => producer.stats().enqueued + Object.values(producer.stats().dropped).reduce((a, b) => a + b, 0) >= c.pairs, 120_000, `${c.label} pairs enqueued`, 20)
  } finally {
    await producer.close()
  }
  const dropped = Object.values(producer.stats().dropped).reduce((a, b) => a + b, 0)
  if (dropped > 0) throw new Error(`the producer dropped ${dropped} pairs: ${JSON.stringify(producer.stats().dropped)}`)
}

async function influxCount(influx: TestInflux, c: Case): Promise<number> {
  const series = await influx.query(`SELECT count(judged) FROM shadowgate_audit WHERE route = '${c.route}'`, DB)
  return Number(series[0]?.values[0]?.[1] ?? 0)
}

async function main(): Promise<void> {
  setLogger({ error: () => undefined, warn: () => undefined })
  let redis: TestRedis | undefined
  let influx: TestInflux | undefined
  const rows: string[][] = []
  try {
    redis = await startRedis()
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    for (const c of CASES) {
      const prefix = `bench-${c.route}`
      await enqueue(redis.url, prefix, c)
      const config = parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${redis.url}", prefix: ${prefix} }
influx: { url: "${influx.url}", database: ${DB} }
worker: { concurrency: ${c.concurrency} }
routes: [{ name: ${c.route}, match: "/orders/*" }]
`)
      const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix })
      const service = createAuditService(config, { logger: pino({ level: 'warn' }) })
      const t0 = performance.now()
      await service.start()
      await waitFor(async () => {
        const n = await queue.getJobCounts('wait', 'active')
        return n.wait === 0 && n.active === 0
      }, 600_000, `${c.label} jobs`, 50)
      const seconds = (performance.now() - t0) / 1000
      await service.close()
      await queue.close()
      const points = await influxCount(influx, c)
      const payload = Buffer.byteLength(JSON.stringify(body(c.bytes, 1, false)))
      rows.push([c.label, String(payload), String(c.concurrency), String(c.pairs), `${c.pairs / MISMATCH_EVERY}`, seconds.toFixed(2), (c.pairs / seconds).toFixed(0), String(points)])
    }
  } finally {
    await Promise.allSettled([redis?.close(), influx?.close()])
  }
  const head = ['pair size', 'body bytes', 'concurrency', 'pairs', 'mismatching', 'seconds', 'pairs/s', 'influx points']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  console.log(`one audit worker (worker.concurrency as listed), pairs in the gateway's batch jobs, node ${process.version}, InfluxDB 1.x on the same host`)
  console.log(line(head))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows) console.log(line(r))
}

await main()
