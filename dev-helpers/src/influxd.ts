import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'
import { ManagedProcess } from './managed-process.js'

export interface InfluxSeries {
  readonly name: string
  readonly tags?: Record<string, string>
  readonly columns: string[]
  readonly values: unknown[][]
}

export interface TestInflux {
  readonly url: string
  readonly port: number
  /** Runs InfluxQL through the v1 /query API and returns the series of the first statement. */
  query(q: string, db?: string): Promise<InfluxSeries[]>
  createDatabase(db: string): Promise<void>
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
  /** SIGKILLs the server at once (when close() did not finish); the temp dir stays. */
  kill(): void
}

/** Attempts with fresh ports when influxd exits at start-up (a port taken between freePort() and its bind). */
const START_ATTEMPTS = 3
const START_TIMEOUT_MS = 20_000

async function writeConfig(dir: string, port: number, rpcPort: number): Promise<string> {
  const conf = join(dir, 'influxdb.conf')
  await writeFile(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`,
  )
  return conf
}

/** Resolves once /ping answers 204; rejects as soon as the process exits, or after the timeout, with its output. */
async function answered(proc: ManagedProcess, url: string): Promise<void> {
  await waitFor(async () => !proc.running || (await fetch(`${url}/ping`)).status === 204, START_TIMEOUT_MS, () => `influxd on ${url} (${proc.output})`)
  if (!proc.running) throw new Error(`influxd exited at start-up: ${proc.output}`)
}

/** Starts Debian's real influxd (InfluxDB 1.x) on free ports with its data in a temp dir. */
export async function startInfluxd(): Promise<TestInflux> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-influx-'))
  let proc: ManagedProcess | undefined
  let url = ''
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    const conf = await writeConfig(dir, port, await freePort())
    proc = new ManagedProcess('influxd', ['-config', conf])
    url = `http://127.0.0.1:${port}`
    proc.start()
    try {
      await answered(proc, url)
      break
    } catch (err) {
      // Only an early exit is worth another attempt; a running influxd that never answers is reported.
      const exited = !proc.running
      await proc.stop()
      if (!exited || attempt >= START_ATTEMPTS) {
        await rm(dir, { recursive: true, force: true })
        throw err
      }
    }
  }
  const started = proc
  // A restart (fault tests) keeps the ports the first start got.
  const start = async (): Promise<void> => {
    started.start()
    await answered(started, url)
  }
  const query = async (q: string, db?: string): Promise<InfluxSeries[]> => {
    const params = new URLSearchParams({ q, epoch: 'ns' })
    if (db) params.set('db', db)
    const res = await fetch(`${url}/query?${params}`, { method: 'POST' })
    const body = (await res.json()) as { results?: { series?: InfluxSeries[]; error?: string }[]; error?: string }
    const first = body.results?.[0]
    if (body.error || first?.error) throw new Error(`InfluxQL "${q}" failed: ${body.error ?? first?.error}`)
    return first?.series ?? []
  }
  return {
    url,
    port,
    query,
    createDatabase: async (db) => {
      await query(`CREATE DATABASE "${db}"`)
    },
    start,
    stop: () => started.stop(),
    kill: () => started.kill(),
    async close() {
      await started.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
