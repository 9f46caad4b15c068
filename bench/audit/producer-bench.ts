/**
 * The gateway's audit producer alone: CPU per pair of the process that builds, encodes and writes
 * batches (the gateway's AuditProducer with its real capture, batching and queue writer) to a real
 * redis-server in its own process. Without the proxy, the upstreams and the load generator on the
 * same cores, this is the part of the audit's cost that the producer's code decides, read far more
 * steadily than the gateway bench's difference of two targets. Run: npm run bench:producer -- [--rounds N] [--pairs N]
 */
import { AuditProducer, GatewayMetrics, type MirrorPair, type ObservedResponse } from '@shadowgate/gateway'
import { parseConfig } from '@shadowgate/shared'
import { startRedis, waitFor } from '@shadowgate/dev-helpers'
import { loadavg } from 'node:os'
import { pino } from 'pino'
import { readFlags } from '../bench-flags.js'
import { machineInfo } from '../report/machine-info.js'

const USAGE = `usage: npm run bench:producer -- [--rounds N] [--pairs N]
  --rounds N   rounds; the median is reported (default 5)
  --pairs N    pairs per round (default 60000)`

/** The gateway bench's pair: a ~0.7 KB JSON answer, the same bytes from both sides (sent as a reference). */
const BODY = JSON.stringify({ items: Array.from({ length: 12 }, (_, i) => ({ id: i, name: `item "${i}"`, price: i * 1.5, tags: ['a', 'b'] })) })
const HEADERS = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(BODY)), 'date', 'Wed, 02 Dec 2026 14:00:00 GMT']
/** Pairs waiting in the producer before the bench pauses: it measures writing, never dropping. */
const MAX_WAITING = 5_000
const CHECK_EVERY = 500

function response(latencyMs: number): ObservedResponse {
  return { kind: 'response', status: 200, headers: HEADERS, body: Buffer.from(BODY), truncated: false, latencyMs }
}

function pair(i: number): MirrorPair {
  return {
    request: { id: `0f8fad5b-d9cb-469f-a165-${String(i).padStart(12, '0')}`, route: 'r', method: 'GET', url: `/r/${i}?a=1`, headers: { accept: 'application/json', 'user-agent': 'bench', host: 'x' }, body: Buffer.alloc(0), clientIp: '127.0.0.1', receivedAt: Date.now() },
    primary: response(1.2),
    shadow: response(1.4),
  }
}

function positive(name: string, v: string | undefined): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer (got "${v ?? ''}")`)
  return n
}

/** CPU µs (user + system) of this process per pair, from the first pair offered until every pair is enqueued. */
async function round(redisUrl: string, prefix: string, pairs: number): Promise<{ cpu: number; user: number; system: number }> {
  const config = parseConfig(`
primary: http://127.0.0.1:1
shadow: http://127.0.0.1:2
redis: { url: "${redisUrl}", prefix: ${prefix} }
audit: { maxQueueDepth: 100000000, bufferSize: 10000 }
routes: [{ name: r, match: "/r/*" }]
`)
  const producer = new AuditProducer(config, { metrics: new GatewayMetrics(), instanceId: 'bench', logger: pino({ level: 'warn' }) })
  producer.start()
  try {
    await waitFor(() => producer.stats().redisConnected, 30_000, 'the producer connected to Redis', 20)
    const all = Array.from({ length: pairs }, (_, i) => pair(i))
    const start = process.cpuUsage()
    for (let i = 0; i < all.length; i++) {
      // stats() builds an object: asked once per block, so that the bench's own work stays out of the figure.
      if (i % CHECK_EVERY === 0 && producer.stats().buffered >= MAX_WAITING) await waitFor(() => producer.stats().buffered < MAX_WAITING / 2, 60_000, 'room in the producer buffer', 1)
      const p = all[i] as MirrorPair
      if (producer.accepts(p.request.route, p.request.id)) producer.push(p)
    }
    await waitFor(() => producer.stats().enqueued >= pairs, 120_000, 'every pair enqueued', 5)
    const used = process.cpuUsage(start)
    const dropped = Object.values(producer.stats().dropped).reduce((a, b) => a + b, 0)
    if (dropped > 0) throw new Error(`the producer dropped ${dropped} pairs: ${JSON.stringify(producer.stats().dropped)}`)
    return { cpu: (used.user + used.system) / pairs, user: used.user / pairs, system: used.system / pairs }
  } finally {
    await producer.close()
  }
}

async function main(): Promise<void> {
  let rounds = 5
  let pairs = 60_000
  const { help } = readFlags(
    process.argv.slice(2),
    (name, value) => {
      if (name === '--rounds') rounds = positive(name, value())
      else if (name === '--pairs') pairs = positive(name, value())
      else return false
      return true
    },
    USAGE,
  )
  if (help) {
    console.log(USAGE)
    return
  }
  const m = machineInfo()
  const redis = await startRedis()
  const results: Array<{ cpu: number; user: number; system: number }> = []
  try {
    for (let r = 0; r < rounds; r++) results.push(await round(redis.url, `producerbench${r}`, pairs))
  } finally {
    await redis.close()
  }
  const sorted = [...results].sort((a, b) => a.cpu - b.cpu)
  const median = sorted[Math.floor(sorted.length / 2)] as (typeof sorted)[number]
  console.log(`## audit producer bench — ${new Date().toISOString()}\n`)
  console.log(`Machine: ${m.cpuModel}, ${m.cores} cores, Node ${m.node}; load average ${m.loadAtStart.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end.`)
  console.log(`${rounds} rounds × ${pairs} pairs of ~0.7 KB (shadow identical to primary), audit.batchSize default; redis-server in its own process.\n`)
  console.log('| round | CPU µs/pair | user | system |')
  console.log('| ---: | ---: | ---: | ---: |')
  results.forEach((x, i) => console.log(`| ${i + 1} | ${x.cpu.toFixed(2)} | ${x.user.toFixed(2)} | ${x.system.toFixed(2)} |`))
  console.log(`\nMedian ${median.cpu.toFixed(2)} µs of producer CPU per pair (min–max ${sorted[0]?.cpu.toFixed(2)}–${sorted.at(-1)?.cpu.toFixed(2)}).`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
})
