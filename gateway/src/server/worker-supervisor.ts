import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import type { FaultCounters } from '../metrics/fault-counters.js'
import { guardHandler, type HandlerGuard } from '../runtime/guard-handler.js'
import type { PrimaryMessage } from './cluster-messages.js'

export interface WorkerSupervisorOptions {
  readonly count: number
  readonly logger: Logger
  /** Where failed cluster event handlers are counted. */
  readonly faults?: FaultCounters
  /** First restart delay after a crash; doubles with each crash in a row, up to maxBackoffMs. */
  readonly minBackoffMs?: number
  readonly maxBackoffMs?: number
  /** A worker that has lived this long resets the crash streak. */
  readonly stableMs?: number
  /** Give up when this many workers in a row die before ever listening (bad port, bad config). */
  readonly maxFailuresBeforeListening?: number
  /** Called once when the supervisor gives up. */
  readonly onGiveUp?: () => void
}

interface Tracked {
  readonly startedAt: number
  listening: boolean
}

/**
 * Runs N traffic workers under node:cluster (they share the listening port): forks them, restarts
 * crashed ones with exponential backoff, and drains them on stop(). Lives in the cluster primary.
 */
export class WorkerSupervisor {
  readonly #opts: WorkerSupervisorOptions
  readonly #guard: HandlerGuard
  readonly #workers = new Map<number, Tracked>()
  readonly #restarts = new Set<NodeJS.Timeout>()
  #crashStreak = 0
  #failuresBeforeListening = 0
  #everListened = false
  #stopping = false
  #stopped: Promise<void> | undefined

  constructor(opts: WorkerSupervisorOptions) {
    this.#opts = opts
    this.#guard = { logger: opts.logger, faults: opts.faults }
  }

  start(): void {
    cluster.on('listening', guardHandler(this.#guard, 'cluster-listening', (worker: Worker) => {
      const t = this.#workers.get(worker.id)
      if (t) t.listening = true
      this.#everListened = true
      this.#failuresBeforeListening = 0
    }))
    cluster.on('exit', guardHandler(this.#guard, 'cluster-exit', (worker: Worker, code: number | null, signal: string | null) => this.#onExit(worker, code, signal)))
    for (let i = 0; i < this.#opts.count; i++) this.#fork()
  }

  /** Workers currently accepting traffic. */
  listeningCount(): number {
    let n = 0
    for (const t of this.#workers.values()) if (t.listening) n++
    return n
  }

  /** Asks every worker to drain and exit; kills those still running after `timeoutMs`. Idempotent. */
  stop(timeoutMs: number): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true
      for (const t of this.#restarts) clearTimeout(t)
      this.#restarts.clear()
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead())
      const exits = alive.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))))
      for (const w of alive) {
        if (w.isConnected()) w.send({ type: 'shadowgate:shutdown' } satisfies PrimaryMessage, (err: Error | null) => void err)
        else w.process.kill('SIGTERM')
      }
      const kill = setTimeout(guardHandler(this.#guard, 'worker-drain-deadline', () => this.kill()), timeoutMs)
      kill.unref()
      await Promise.all(exits)
      clearTimeout(kill)
    })()
    return this.#stopped
  }

  /** Ends every worker at once (second signal, or a drain that took too long). */
  kill(): void {
    this.#stopping = true
    for (const w of Object.values(cluster.workers ?? {})) if (w && !w.isDead()) w.process.kill('SIGKILL')
  }

  #fork(): void {
    const w = cluster.fork()
    this.#workers.set(w.id, { startedAt: Date.now(), listening: false })
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    const t = this.#workers.get(worker.id)
    this.#workers.delete(worker.id)
    if (this.#stopping) return
    const lived = t ? Date.now() - t.startedAt : 0
    if (!t?.listening) this.#failuresBeforeListening++
    const limit = this.#opts.maxFailuresBeforeListening ?? 5
    if (!this.#everListened && this.#failuresBeforeListening >= limit) {
      this.#opts.logger.error({ failures: this.#failuresBeforeListening }, 'workers keep exiting before they listen; giving up')
      this.#stopping = true
      this.#opts.onGiveUp?.()
      return
    }
    this.#crashStreak = lived >= (this.#opts.stableMs ?? 10_000) ? 1 : this.#crashStreak + 1
    const delay = Math.min((this.#opts.minBackoffMs ?? 100) * 2 ** (this.#crashStreak - 1), this.#opts.maxBackoffMs ?? 10_000)
    this.#opts.logger.error({ worker: worker.process.pid, code, signal, restartInMs: delay }, 'gateway worker exited; restarting it')
    const timer = setTimeout(guardHandler(this.#guard, 'worker-restart', () => {
      this.#restarts.delete(timer)
      if (!this.#stopping) this.#fork()
    }), delay)
    this.#restarts.add(timer)
  }
}
