/**
 * `npm run bench:writes`: what the write log costs. The gateway runs as its own process (the built
 * `shadowgate gateway`), once with `writes: old` and once with `writes: record`; the same fixed number
 * of PUTs goes through each, and the gateway's CPU time (utime + stime from /proc) per write is the
 * figure. Then an in-process replayer drains the recorded log into a second upstream and the replay
 * throughput is measured. Prints a Markdown table. Flags: --requests N (default 10000),
 * --connections N (default 16), --partitions N (default 8).
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { WriteReplayer } from '@shadowgate/audit-service'
import { NodeProcess, startRedis, waitFor } from '@shadowgate/dev-helpers'
import { validateConfig } from '@shadowgate/shared'
import { Pool } from 'undici'

const GATEWAY_MAIN = fileURLToPath(new URL('../../gateway/dist/src/cli/main.js', import.meta.url))
const TICKS_PER_SECOND = 100

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

/** utime + stime of a process, in µs, from /proc/<pid>/stat. */
async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6
}

async function sendWrites(url: string, count: number, connections: number): Promise<number> {
  const pool = new Pool(url, { connections })
  let left = count
  let failed = 0
  const body = JSON.stringify({ name: 'bench item', price: 12.5, tags: ['a', 'b'] })
  const lane = async (): Promise<void> => {
    while (left > 0) {
      const i = left--
      try {
        const res = await pool.request({ path: `/items/${i % 1000}`, method: 'PUT', body, headers: { 'content-type': 'application/json' } })
        await res.body.dump()
        if (res.statusCode !== 201) failed++
      } catch {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, lane))
  await pool.close()
  return failed
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, connections: { type: 'string', default: '16' }, partitions: { type: 'string', default: '8' } }, strict: true })
  const requests = Number(values.requests)
  const connections = Number(values.connections)
  const partitions = Number(values.partitions)
  if (![requests, connections, partitions].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--requests, --connections and --partitions must be whole numbers above 0')
  const redis = await startRedis()
  const old = await upstream()
  const next = await upstream()
  const dir = await mkdtemp(join(tmpdir(), 'sg-bench-writes-'))
  const rows: string[] = []
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
    for (const stage of ['old', 'record']) {
      const file = join(dir, `${stage}.yaml`)
      await writeFile(file, JSON.stringify(raw(stage)))
      const gw = new NodeProcess(GATEWAY_MAIN, ['gateway', '--config', file], { name: `gateway-${stage}` })
      try {
        await gw.waitReady(() => gw.lines.some((l) => typeof l['traffic'] === 'string'), 30_000)
        const traffic = String(gw.lines.find((l) => typeof l['traffic'] === 'string')?.['traffic'])
        await sendWrites(traffic, Math.min(requests, 2_000), connections)
        const before = await cpuMicros(gw.pid)
        const started = performance.now()
        const failed = await sendWrites(traffic, requests, connections)
        const seconds = (performance.now() - started) / 1_000
        const cpu = (await cpuMicros(gw.pid)) - before
        rows.push(`| gateway, \`writes: ${stage}\` | ${(cpu / requests).toFixed(1)} µs CPU / write | ${Math.round(requests / seconds)} writes/s | ${failed} failed |`)
      } finally {
        await gw.stop('SIGTERM', 15_000)
      }
    }
    // The file's stage applies: no gateway set one in Redis.
    const replayer = new WriteReplayer(validateConfig(raw('replay')), { pollMs: 20, reportMs: 600_000 })
    const logged = (await replayer.reportLag()).get('items')?.entries ?? 0
    const before = next.count()
    const started = performance.now()
    replayer.start()
    await waitFor(async () => (await replayer.reportLag()).get('items')?.entries === 0, 600_000, 'the replayer to drain the log', 100)
    const seconds = (performance.now() - started) / 1_000
    await replayer.close()
    rows.push(`| replayer, ${partitions} partitions | ${logged} entries in ${seconds.toFixed(1)} s | ${Math.round((next.count() - before) / seconds)} writes/s | |`)
  } finally {
    old.server.close()
    next.server.close()
    await redis.close()
    await rm(dir, { recursive: true, force: true })
  }
  process.stdout.write(`\n${requests} PUTs over ${connections} connections per gateway run\n\n| what | cost | rate | |\n| --- | ---: | ---: | --- |\n${rows.join('\n')}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:writes failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
