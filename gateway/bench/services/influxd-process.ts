import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/demo/free-port.js'

export interface BenchInflux {
  readonly url: string
  /** Runs InfluxQL and returns the first value of the first series (a count), 0 when empty. */
  count(q: string, db: string): Promise<number>
  close(): Promise<void>
}

let current: ChildProcess | undefined

/** Last resort on the way out: no influxd outlives the bench. */
export function killInfluxd(): void {
  current?.kill('SIGKILL')
}

/** Debian's influxd (InfluxDB 1.x) on free ports with its data in a temp dir, and `db` created. */
export async function startInfluxd(db: string): Promise<BenchInflux> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-soak-influx-'))
  const [port, rpcPort] = [await freePort(), await freePort()]
  const conf = join(dir, 'influxdb.conf')
  await writeFile(
    conf,
    `reporting-disabled = true\nbind-address = "127.0.0.1:${rpcPort}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:${port}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n`,
  )
  const proc = spawn('influxd', ['-config', conf], { stdio: 'ignore' })
  current = proc
  const spawnError = new Promise<string>((resolve) => proc.once('error', (err) => resolve(err.message)))
  const url = `http://127.0.0.1:${port}`
  const query = async (q: string, database?: string): Promise<unknown> => {
    const params = new URLSearchParams({ q, ...(database ? { db: database } : {}) })
    const res = await fetch(`${url}/query?${params}`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
    return await res.json()
  }
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 20_000
  for (;;) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))])
    if (failed !== undefined) throw new Error(`influxd could not start: ${failed}`)
    if (await fetch(`${url}/ping`).then((r) => r.status === 204, () => false)) break
    if (Date.now() > deadline) {
      await close()
      throw new Error('influxd did not answer /ping within 20 s')
    }
  }
  await query(`CREATE DATABASE "${db}"`)
  return {
    url,
    async count(q, database) {
      const body = (await query(q, database)) as { results?: { series?: { values?: unknown[][] }[] }[] }
      return Number(body.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0)
    },
    close,
  }
}
