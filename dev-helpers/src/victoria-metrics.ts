import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'
import { ManagedProcess } from './managed-process.js'

export interface TestVictoriaMetrics {
  readonly url: string
  /** Instant query through the Prometheus API; VictoriaMetrics names Influx series `<measurement>_<field>`. */
  promQuery(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>
  close(): Promise<void>
}

/** Starts Debian's victoria-metrics, a real server that accepts the InfluxDB v2 `/api/v2/write` endpoint. */
export async function startVictoriaMetrics(): Promise<TestVictoriaMetrics> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-vm-'))
  const port = await freePort()
  const proc = new ManagedProcess('victoria-metrics', [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-search.latencyOffset=0s', '-loggerLevel=ERROR'])
  proc.start()
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => (await fetch(`${url}/health`)).ok, 20_000, () => `victoria-metrics on ${port} (${proc.output})`)
  return {
    url,
    async promQuery(q) {
      await fetch(`${url}/internal/force_flush`)
      const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: q })}`)
      const body = (await res.json()) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } }
      return body.data?.result ?? []
    },
    async close() {
      await proc.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
