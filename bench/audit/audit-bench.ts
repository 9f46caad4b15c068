/**
 * Audit worker throughput: pairs per second of one worker (BullMQ fetch, decode, diff, InfluxDB
 * write) for 4 KB and 100 KB JSON pairs, 10 % of them mismatching. The pairs reach the queue the way
 * the gateway writes them: the gateway's AuditProducer captures and enqueues them in batch jobs.
 * Starts its own redis-server and influxd on free ports; Redis commands and CPU per pair are read
 * from INFO around the enqueueing and around the draining. Run: npm run bench:audit (both parts) or
 * npm run bench:audit-rate -- [--json FILE] (this part alone).
 */
import { AuditProducer, GatewayMetrics, type MirrorPair, type ObservedResponse } from '@shadowgate/gateway'
import { AUDIT_QUEUE_NAME, parseConfig } from '@shadowgate/shared'
import { startInfluxd, startRedis, waitFor, type TestInflux, type TestRedis } from '@shadowgate/dev-helpers'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { setLogger } from '@influxdata/influxdb-client'
import { createAuditService } from '@shadowgate/audit-service'
import { readFlags } from '../bench-flags.js'
import { machineInfo } from '../report/machine-info.js'
import { BENCH_JSON_VERSION, jsonFlag, writeBenchJson } from '../report/json-output.js'
import { costPerPair, readRedisCost, type InfoClient, type RedisCostPerPair } from './redis-cost.js'
import { loadavg } from 'node:os'

const USAGE = `usage: npm run bench:audit-rate -- [--json FILE]
  --json FILE   also write the result as JSON to FILE (read by bench:sizing)`

/** One case's result, as printed and as written with --json. */
interface CaseResult {
  readonly label: string
  readonly bodyBytes: number
  readonly concurrency: number
  readonly pairs: number
  readonly seconds: number
  readonly pairsPerS: number
  readonly influxPoints: number
  /** Redis work of the gateway's producer (batch jobs) and of the worker (fetch, complete), per pair. */
  readonly redisEnqueue: RedisCostPerPair
  readonly redisWorker: RedisCostPerPair
}

// Each case has its own route so its InfluxDB points can be counted apart.
const CASES = [
  { label: '4 KB', bytes: 4 * 1024, pairs: 4_000, concurrency: 4, route: 'orders4k' },
  { label: '4 KB', bytes: 4 * 1024, pairs: 4_000, concurrency: 16, route: 'orders4kc16' },
  { label: '100 KB', bytes: 100 * 1024, pairs: 400, concurrency: 4, route: 'orders100k' },
]
type Case = (typeof CASES)[number]
const MISMATCH_EVERY = 10
/** Half the producer's default audit.maxBufferBytes: the bench waits below it instead of overflowing the buffer. */
const BUFFER_BYTES_WAIT = 32 * 1_048_576
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
  return { kind: 'response', status: 200, headers: ['content-type', 'application/json'], body: Buffer.from(JSON.stringify(value)), truncated: false, latencyMs }
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
    // The producer connects in the background and drops (dropped_redis) what it cannot write yet.
    await waitFor(() => producer.stats().redisConnected, 30_000, 'the producer connected to Redis', 20)
    for (let i = 0; i < c.pairs; i++) {
      const p = pair(i, c)
      // The gateway asks before capturing; a full buffer makes the bench wait instead of dropping.
      await waitFor(() => producer.stats().buffered < 5_000 && producer.stats().bufferedBytes < BUFFER_BYTES_WAIT, 60_000, 'room in the producer buffer', 5)
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

/** The bench's own polling of the queue is not the worker's work: its cost is measured once and taken off. */
async function pollCost(queue: Queue, redis: InfoClient): Promise<Readonly<Record<string, number>>> {
  const before = await readRedisCost(redis)
  await queue.getJobCounts('wait', 'active')
  const after = await readRedisCost(redis)
  // INFO itself shows up in the second reading.
  const calls: Record<string, number> = {}
  for (const [k, v] of Object.entries(after.calls)) if (k !== 'info') calls[k] = v - (before.calls[k] ?? 0)
  return calls
}

function parseArgs(argv: readonly string[]): { json: string | undefined; help: boolean } {
  let json: string | undefined
  const { help } = readFlags(
    argv,
    (name, value) => {
      if (name !== '--json') return false
      json = jsonFlag(name, value())
      return true
    },
    USAGE,
  )
  return { json, help }
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs>
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err))
    process.exitCode = 2
    return
  }
  if (args.help) return void console.log(USAGE)
  const startedAt = new Date()
  const machine = machineInfo()
  setLogger({ error: () => undefined, warn: () => undefined })
  let redis: TestRedis | undefined
  let influx: TestInflux | undefined
  const rows: string[][] = []
  const results: CaseResult[] = []
  try {
    redis = await startRedis()
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    for (const c of CASES) {
      const prefix = `bench-${c.route}`
      const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: redis.url }, prefix })
      const info: InfoClient = await queue.client
      const perPoll = await pollCost(queue, info)
      const beforeEnqueue = await readRedisCost(info)
      await enqueue(redis.url, prefix, c)
      const afterEnqueue = await readRedisCost(info)
      const config = parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${redis.url}", prefix: ${prefix} }
influx: { url: "${influx.url}", database: ${DB} }
worker: { concurrency: ${c.concurrency} }
routes: [{ name: ${c.route}, match: "/orders/*" }]
`)
      const service = createAuditService(config, { logger: pino({ level: 'warn' }) })
      let polls = 0
      const t0 = performance.now()
      await service.start()
      await waitFor(async () => {
        polls++
        const n = await queue.getJobCounts('wait', 'active')
        return n.wait === 0 && n.active === 0
      }, 600_000, `${c.label} jobs`, 50)
      const seconds = (performance.now() - t0) / 1000
      await service.close()
      const afterDrain = await readRedisCost(info)
      await queue.close()
      const workerCalls: Record<string, number> = { ...afterDrain.calls }
      for (const [k, v] of Object.entries(perPoll)) workerCalls[k] = (workerCalls[k] ?? 0) - v * polls
      const redisEnqueue = costPerPair(beforeEnqueue, afterEnqueue, c.pairs)
      const redisWorker = costPerPair(afterEnqueue, { ...afterDrain, calls: workerCalls }, c.pairs)
      const points = await influxCount(influx, c)
      const payload = Buffer.byteLength(JSON.stringify(body(c.bytes, 1, false)))
      rows.push([
        c.label,
        String(payload),
        String(c.concurrency),
        String(c.pairs),
        `${c.pairs / MISMATCH_EVERY}`,
        seconds.toFixed(2),
        (c.pairs / seconds).toFixed(0),
        String(points),
        redisEnqueue.commandsPerPair.toFixed(2),
        redisWorker.commandsPerPair.toFixed(2),
        (redisEnqueue.cpuUsPerPair + redisWorker.cpuUsPerPair).toFixed(1),
      ])
      results.push({ label: c.label, bodyBytes: payload, concurrency: c.concurrency, pairs: c.pairs, seconds, pairsPerS: c.pairs / seconds, influxPoints: points, redisEnqueue, redisWorker })
    }
  } finally {
    await Promise.allSettled([redis?.close(), influx?.close()])
  }
  const head = ['pair size', 'body bytes', 'concurrency', 'pairs', 'mismatching', 'seconds', 'pairs/s', 'influx points', 'Redis cmds/pair enqueue', 'Redis cmds/pair worker', 'Redis CPU µs/pair']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  console.log(`one audit worker (worker.concurrency as listed), pairs in the gateway's batch jobs, node ${process.version}, InfluxDB 1.x on the same host`)
  console.log(line(head))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows) console.log(line(r))
  console.log(`load average ${machine.loadAtStart.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end; Redis commands include those run inside BullMQ's scripts`)
  const busiest = (c: RedisCostPerPair): string =>
    Object.entries(c.byCommand)
      .slice(0, 6)
      .map(([name, n]) => `${name} ${n.toFixed(3)}`)
      .join(', ')
  for (const r of results) console.log(`- ${r.label}, concurrency ${r.concurrency}, Redis commands per pair: enqueue ${busiest(r.redisEnqueue)}; worker ${busiest(r.redisWorker)}`)
  if (args.json !== undefined) {
    await writeBenchJson(args.json, { v: BENCH_JSON_VERSION, bench: 'audit', startedAt: startedAt.toISOString(), machine, loadAtEnd: loadavg()[0] ?? 0, cases: results })
    console.error(`JSON result written to ${args.json}`)
  }
}

await main()
