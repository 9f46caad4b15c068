import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor } from './free-port.js'
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
}

/** Starts Debian's real influxd (InfluxDB 1.x) on free ports with its data in a temp dir. */
export async function startInfluxd(): Promise<TestInflux> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-influx-'))
  const port = await freePort()
  const rpcPort = await freePort()
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
  const proc = new ManagedProcess('influxd', ['-config', conf])
  const url = `http://127.0.0.1:${port}`
  const start = async (): Promise<void> => {
    proc.start()
    await waitFor(async () => (await fetch(`${url}/ping`)).status === 204, 20_000, `influxd on ${port} (${proc.output})`)
  }
  await start()
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
    stop: () => proc.stop(),
    async close() {
      await proc.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
