import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, Registry } from 'prom-client'
import type { AdminMetricsSource } from '../admin/admin-metrics-source.js'
import type { RouteCounters } from '../metrics/gateway-metrics.js'
import { isWorkerMessage, type MetricsJson, type PrimaryMessage } from './cluster-messages.js'

const DEFAULT_GATHER_TIMEOUT_MS = 1_000

interface WorkerStats {
  readonly counters: Record<string, RouteCounters>
  readonly metrics: MetricsJson
}

function addCounters(into: Record<string, RouteCounters>, from: Record<string, RouteCounters>): void {
  for (const [route, c] of Object.entries(from)) {
    const t = into[route]
    if (!t) {
      into[route] = { ...c, notMirrored: { ...c.notMirrored } }
      continue
    }
    t.requests += c.requests
    t.mirrored += c.mirrored
    t.shadowErrors += c.shadowErrors
    for (const [reason, n] of Object.entries(c.notMirrored) as [keyof RouteCounters['notMirrored'], number][]) {
      t.notMirrored[reason] = (t.notMirrored[reason] ?? 0) + n
    }
  }
}

/**
 * The cluster primary's metrics for the admin API: it asks every worker over IPC and sums what
 * arrives within a bound. A worker that is restarting or stuck is left out of that answer rather
 * than making /metrics or /routes wait or fail.
 */
export class ClusterMetrics implements AdminMetricsSource {
  readonly #timeoutMs: number
  readonly #pending = new Map<number, { add(workerId: number, stats: WorkerStats): void; finish(): void }>()
  #nextId = 1
  readonly #onMessage = (worker: Worker, m: unknown): void => {
    if (isWorkerMessage(m) && m.type === 'shadowgate:stats') this.#pending.get(m.id)?.add(worker.id, { counters: m.counters, metrics: m.metrics })
  }

  readonly registry = {
    contentType: new Registry().contentType as string,
    metrics: async (): Promise<string> => {
      const stats = await this.#gather()
      return await AggregatorRegistry.aggregate(stats.map((s) => s.metrics)).metrics()
    },
  }

  constructor(opts: { timeoutMs?: number } = {}) {
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_GATHER_TIMEOUT_MS
    cluster.on('message', this.#onMessage)
  }

  async snapshot(): Promise<Record<string, RouteCounters>> {
    const out: Record<string, RouteCounters> = {}
    for (const s of await this.#gather()) addCounters(out, s.counters)
    return out
  }

  close(): void {
    cluster.off('message', this.#onMessage)
    for (const p of this.#pending.values()) p.finish()
  }

  #gather(): Promise<WorkerStats[]> {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected())
    if (workers.length === 0) return Promise.resolve([])
    const id = this.#nextId++
    const got = new Map<number, WorkerStats>()
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer)
        this.#pending.delete(id)
        resolve([...got.values()])
      }
      const timer = setTimeout(finish, this.#timeoutMs)
      this.#pending.set(id, {
        add(workerId, stats) {
          got.set(workerId, stats)
          if (got.size >= workers.length) finish()
        },
        finish,
      })
      const msg: PrimaryMessage = { type: 'shadowgate:stats-request', id }
      for (const w of workers) w.send(msg, (err: Error | null) => void err)
    })
  }
}
