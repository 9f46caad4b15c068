import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A redis-server and an influxd (1.x) of the bench's own, on free loopback ports in a temp dir. */
export interface SignalProcesses {
  readonly redisUrl: string
  readonly influxUrl: string
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address()
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })
}

/** Polls `check` until it holds; bounded by `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), 5_000)
    p.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    p.kill('SIGTERM')
  })
}

export async function startSignalProcesses(database: string): Promise<SignalProcesses> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-signal-bench-'))
  const [redisPort, influxPort, rpcPort] = [await freePort(), await freePort(), await freePort()]
  const conf = join(dir, 'influxdb.conf')
  await writeFile(
    conf,
    `reporting-disabled = true\nbind-address = "127.0.0.1:${rpcPort}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:${influxPort}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n`,
  )
  const procs = [
    spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }),
    spawn('influxd', ['-config', conf], { stdio: 'ignore' }),
  ]
  const close = async (): Promise<void> => {
    await Promise.all(procs.map(stop))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const influxUrl = `http://127.0.0.1:${influxPort}`
    await until(async () => (await fetch(`${influxUrl}/ping`)).status === 204, 30_000, 'influxd')
    await fetch(`${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE ${database}`)}`, { method: 'POST' })
    return { redisUrl: `redis://127.0.0.1:${redisPort}`, influxUrl, close }
  } catch (err) {
    await close()
    throw err
  }
}
