/**
 * `npm run bench:writes`: what the write log costs. Two gateways run as their own processes (the built
 * `shadowgate gateway`), one with `writes: old` and one with `writes: record`; in each of `--rounds`
 * interleaved rounds the same fixed number of PUTs goes through each, and the gateway's CPU time
 * (utime + stime from /proc) per write is the figure, with writes/s and client latency. The median
 * round is reported with the spread over rounds. Then an in-process replayer drains the recorded log
 * into a second upstream (replay throughput) and keeps up with `--rate` writes/s through the recording
 * gateway (replay lag). Prints Markdown tables. Flags: --requests N (default 10000), --connections N
 * (16), --partitions N (8), --rounds N (3), --rate N (1000), --rate-seconds N (10), --cpu-prof DIR
 * (writes a V8 CPU profile of each gateway there), --syscalls (one more run per gateway under `strace -c`:
 * system calls per write).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { WriteReplayer } from '@shadowgate/audit-service'
import { NodeProcess, startRedis, waitFor } from '@shadowgate/dev-helpers'
import { validateConfig } from '@shadowgate/shared'
import { countSyscalls, straceAvailable } from './work/syscall-counter.js'
import { cpuMicros, median, paceWrites, quantile, redisTraffic, sendWrites } from './writes/write-load.js'

const GATEWAY_MAIN = fileURLToPath(new URL('../../gateway/dist/src/cli/main.js', import.meta.url))
const STAGES = ['old', 'record'] as const
type Stage = (typeof STAGES)[number]

/** A tiny upstream answering every write with 201 and counting them. */
async function upstream(): Promise<{ url: string; count: () => number; server: Server }> {
  let n = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      n++
      res.statusCode = req.method === 'GET' ? 200 : 201
      res.end('{"ok":true}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n, server }
}

interface Round {
  readonly cpuPerWrite: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly failed: number
  readonly commands: number
  readonly reads: number
  readonly scripts: number
}

const fmt = (v: number, digits = 1): string => v.toFixed(digits)
const spread = (xs: readonly number[], digits = 1): string => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '16' },
      partitions: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '3' },
      rate: { type: 'string', default: '1000' },
      'rate-seconds': { type: 'string', default: '10' },
      'cpu-prof': { type: 'string' },
      syscalls: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const [requests, connections, partitions, rounds, rate, rateSeconds] = [values.requests, values.connections, values.partitions, values.rounds, values.rate, values['rate-seconds']].map(Number) as [number, number, number, number, number, number]
  if (![requests, connections, partitions, rounds, rate, rateSeconds].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--requests, --connections, --partitions, --rounds, --rate and --rate-seconds must be whole numbers above 0')
  const nodeFlags = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : []
  const redis = await startRedis()
  const old = await upstream()
  const next = await upstream()
  const dir = await mkdtemp(join(tmpdir(), 'sg-bench-writes-'))
  const gateways = new Map<Stage, { gw: NodeProcess; url: string }>()
  const out: string[] = []
  try {
    const raw = (stage: string): Record<string, unknown> => ({
      primary: old.url,
      shadow: next.url,
      listen: { host: '127.0.0.1', port: 0 },
      admin: { enabled: false },
      redis: { url: redis.url, prefix: 'bench' },
      audit: { enabled: false },
      routes: [{ name: 'items', match: '/items/:id', writes: { stage, partitionBy: 'param:id', partitions, appendTimeout: '1s' } }],
    })
    for (const stage of STAGES) {
      const file = join(dir, `${stage}.yaml`)
      await writeFile(file, JSON.stringify(raw(stage)))
      const gw = new NodeProcess(GATEWAY_MAIN, ['gateway', '--config', file], { name: `gateway-${stage}`, nodeFlags })
      gateways.set(stage, { gw, url: '' })
      await gw.waitReady(() => gw.lines.some((l) => typeof l['traffic'] === 'string'), 30_000)
      const url = String(gw.lines.find((l) => typeof l['traffic'] === 'string')?.['traffic'])
      gateways.set(stage, { gw, url })
      await sendWrites(url, Math.min(requests, 2_000), connections)
    }
    const results = new Map<Stage, Round[]>(STAGES.map((s) => [s, []]))
    for (let round = 0; round < rounds; round++) {
      // Alternating order, so neither side always runs on the warmer machine.
      for (const stage of round % 2 === 0 ? STAGES : [...STAGES].reverse()) {
        const { gw, url } = gateways.get(stage)!
        const traffic = await redisTraffic(redis.url)
        const before = await cpuMicros(gw.pid)
        const load = await sendWrites(url, requests, connections)
        const cpu = (await cpuMicros(gw.pid)) - before
        const after = await redisTraffic(redis.url)
        results.get(stage)!.push({
          cpuPerWrite: cpu / requests,
          rps: requests / load.seconds,
          p50: quantile(load.latencies, 0.5),
          p99: quantile(load.latencies, 0.99),
          failed: load.failed,
          // Less the INFO call of the measurement itself.
          commands: (after.commands - traffic.commands - 1) / requests,
          reads: (after.reads - traffic.reads - 1) / requests,
          scripts: (after.scripts - traffic.scripts) / requests,
        })
      }
    }
    out.push(`${requests} PUTs over ${connections} connections per gateway and round, ${rounds} interleaved rounds; median (spread)\n`)
    out.push('| gateway | CPU µs / write | writes/s | p50 ms | p99 ms | Redis commands / write | script calls / write | Redis reads / write | failed |')
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    for (const stage of STAGES) {
      const rs = results.get(stage)!
      const col = (f: (r: Round) => number, digits = 1): string => `${fmt(median(rs.map(f)), digits)} (${spread(rs.map(f), digits)})`
      out.push(`| \`writes: ${stage}\` | ${col((r) => r.cpuPerWrite)} | ${col((r) => r.rps, 0)} | ${col((r) => r.p50, 2)} | ${col((r) => r.p99, 2)} | ${fmt(median(rs.map((r) => r.commands)), 2)} | ${fmt(median(rs.map((r) => r.scripts)), 2)} | ${fmt(median(rs.map((r) => r.reads)), 2)} | ${rs.reduce((n, r) => n + r.failed, 0)} |`)
    }
    const oldRounds = results.get('old')!
    const recRounds = results.get('record')!
    const added = recRounds.map((r, i) => r.cpuPerWrite - (oldRounds[i]?.cpuPerWrite ?? NaN))
    const addedP50 = recRounds.map((r, i) => r.p50 - (oldRounds[i]?.p50 ?? NaN))
    out.push(`| **added by the log** | **${fmt(median(added))}** (${spread(added)}) | | ${fmt(median(addedP50), 2)} (${spread(addedP50, 2)}) | | | | | |`)
    if (values.syscalls && straceAvailable()) {
      out.push('\n| gateway | syscalls / write (strace -c, one run) |')
      out.push('| --- | --- |')
      for (const stage of STAGES) {
        const { gw, url } = gateways.get(stage)!
        const calls = await countSyscalls(gw.pid, async () => {
          await sendWrites(url, requests, connections)
        })
        const top = [...calls].sort((a, b) => b[1] - a[1]).slice(0, 6)
        const total = [...calls.values()].reduce((n, c) => n + c, 0)
        out.push(`| \`writes: ${stage}\` | ${fmt(total / requests, 2)}: ${top.map(([name, n]) => `${name} ${fmt(n / requests, 2)}`).join(', ')} |`)
      }
    }

    // The file's stage applies: no gateway set one in Redis.
    const replayer = new WriteReplayer(validateConfig(raw('replay')), { pollMs: 20, reportMs: 600_000 })
    const lagOf = async (): Promise<{ entries: number; seconds: number }> => {
      const l = (await replayer.reportLag()).get('items')
      return { entries: l?.entries ?? 0, seconds: l?.seconds ?? 0 }
    }
    const logged = (await lagOf()).entries
    const before = next.count()
    let started = performance.now()
    replayer.start()
    await waitFor(async () => (await lagOf()).entries === 0, 600_000, 'the replayer to drain the log', 100)
    const drained = (performance.now() - started) / 1_000
    const drainRate = (next.count() - before) / drained
    const lags: { entries: number; seconds: number }[] = []
    const paced = await paceWrites(gateways.get('record')!.url, rate, rateSeconds, async () => {
      lags.push(await lagOf())
    })
    started = performance.now()
    await waitFor(async () => (await lagOf()).entries === 0, 600_000, 'the replayer to catch up', 20)
    const catchUp = (performance.now() - started) / 1_000
    await replayer.close()
    const entries = lags.map((l) => l.entries)
    const secs = lags.map((l) => l.seconds)
    out.push('\n| replayer, ' + `${partitions} partitions | figure |`)
    out.push('| --- | ---: |')
    out.push(`| drain of the recorded log | ${logged} entries in ${fmt(drained)} s, ${Math.round(drainRate)} writes/s |`)
    out.push(`| lag at ${rate} writes/s for ${rateSeconds} s (${Math.round((rate * rateSeconds) / paced.seconds)} sent/s, ${paced.failed} failed) | median ${median(entries)} entries, max ${Math.max(...entries)}; median ${fmt(median(secs), 2)} s, max ${fmt(Math.max(...secs), 2)} s |`)
    out.push(`| caught up after the load stopped | ${fmt(catchUp, 2)} s |`)
  } finally {
    for (const { gw } of gateways.values()) await gw.stop('SIGTERM', 15_000)
    old.server.close()
    next.server.close()
    await redis.close()
    await rm(dir, { recursive: true, force: true })
  }
  process.stdout.write(`\n${out.join('\n')}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:writes failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
