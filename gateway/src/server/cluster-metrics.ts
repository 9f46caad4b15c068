import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, Registry } from 'prom-client'
import type { AdminMetricsSource } from '../admin/admin-metrics-source.js'
import type { RouteCounters } from '../metrics/gateway-metrics.js'
import { guardHandler, type HandlerGuard } from '../runtime/guard-handler.js'
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

function isStats(m: { counters?: unknown; metrics?: unknown }): m is WorkerStats {
  const c = m.counters
  if (!c || typeof c !== 'object' || !Array.isArray(m.metrics)) return false
  return Object.values(c).every((r: unknown) => {
    const rc = r as Partial<RouteCounters> | null
    return !!rc && typeof rc.requests === 'number' && typeof rc.mirrored === 'number' && typeof rc.shadowErrors === 'number' && !!rc.notMirrored && typeof rc.notMirrored === 'object'
  })
}

/**
 * The cluster primary's metrics for the admin API: it asks every worker over IPC and sums what
 * arrives within a bound, with the primary's own registry (its fault counters). A worker that is
 * restarting or stuck, or whose answer is malformed, is left out of that answer rather than making
 * /metrics or /routes wait or fail.
 */
export class ClusterMetrics implements AdminMetricsSource {
  readonly #timeoutMs: number
  readonly #pending = new Map<number, { add(workerId: number, stats: WorkerStats): void; finish(): void }>()
  #nextId = 1
  readonly #local: Registry | undefined
  readonly #onMessage: (worker: Worker, m: unknown) => void

  readonly registry = {
    contentType: new Registry().contentType as string,
    metrics: async (): Promise<string> => {
      const all = (await this.#gather()).map((s) => s.metrics)
      if (this.#local) all.push(await this.#local.getMetricsAsJSON())
      return await AggregatorRegistry.aggregate(all).metrics()
    },
  }

  constructor(opts: { timeoutMs?: number; guard: HandlerGuard; local?: Registry }) {
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_GATHER_TIMEOUT_MS
    this.#local = opts.local
    this.#onMessage = guardHandler(opts.guard, 'cluster-stats-answer', (worker: Worker, m: unknown) => {
      if (!isWorkerMessage(m) || m.type !== 'shadowgate:stats') return
      if (!isStats(m)) {
        opts.guard.faults?.rejectedValue('cluster')
        opts.guard.logger.warn({ worker: worker.process.pid }, 'ignoring a malformed stats answer from a cluster worker')
        return
      }
      this.#pending.get(m.id)?.add(worker.id, { counters: m.counters, metrics: m.metrics })
    })
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
