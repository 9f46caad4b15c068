import { pino, type Logger } from 'pino'
import { RuntimeStoreUnavailableError } from '../errors.js'
import type { FaultCounters } from '../metrics/fault-counters.js'
import { guardHandler, type HandlerGuard } from '../runtime/guard-handler.js'
import type { RuntimeStore, RuntimeStoreSink } from '../runtime/runtime-store.js'
import { isPrimaryMessage, type WorkerMessage } from './cluster-messages.js'

const START_WAIT_MS = 2_000

function isStoredValue(v: unknown): v is string | null {
  return v === null || typeof v === 'string'
}

/** The pairs of a snapshot message, or undefined when it is not a list of [route, value] strings. */
function snapshotValues(values: unknown): Map<string, string> | undefined {
  if (!Array.isArray(values)) return undefined
  const out = new Map<string, string>()
  for (const pair of values as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return undefined
    out.set(pair[0], pair[1])
  }
  return out
}

/**
 * A cluster worker's view of the primary's runtime settings, used when no Redis is configured: the
 * primary owns the values (its admin API changes them) and sends every change over IPC. The worker
 * asks for the current values at start, so a worker restarted after a crash starts in step. IPC
 * messages are checked like anything read from Redis: a malformed one is logged, counted and ignored.
 */
export class ClusterRuntimeStore implements RuntimeStore {
  readonly kind = 'cluster'
  readonly #guard: HandlerGuard
  #listener: ((m: unknown) => void) | undefined
  #closed = false

  constructor(opts: { logger?: Logger; faults?: FaultCounters } = {}) {
    this.#guard = { logger: opts.logger ?? pino({ level: 'silent' }), faults: opts.faults }
  }

  connected(): boolean {
    return process.connected === true
  }

  async start(sink: RuntimeStoreSink): Promise<void> {
    if (this.#listener || this.#closed || !process.send) return
    let gotSnapshot: () => void = () => undefined
    const first = new Promise<void>((resolve) => {
      gotSnapshot = resolve
      setTimeout(resolve, START_WAIT_MS).unref()
    })
    this.#listener = guardHandler(this.#guard, 'cluster-runtime-message', (m: unknown) => {
      if (!isPrimaryMessage(m)) return
      if (m.type === 'shadowgate:runtime-snapshot') {
        const values = snapshotValues(m.values)
        if (!values) return this.#reject(m)
        sink.applySnapshot(values, new Set(), 'cluster')
        gotSnapshot()
      } else if (m.type === 'shadowgate:runtime-change') {
        if (typeof m.route !== 'string' || !isStoredValue(m.value)) return this.#reject(m)
        sink.applyStored(m.route, m.value, 'cluster')
      }
      return undefined
    })
    process.on('message', this.#listener)
    // With a callback, a channel that closed meanwhile is an error passed here, not an 'error' event that ends the process.
    process.send({ type: 'shadowgate:runtime-request' } satisfies WorkerMessage, undefined, undefined, (err: Error | null) => void err)
    await first
  }

  async get(): Promise<string | null> {
    throw new RuntimeStoreUnavailableError('runtime changes are made through the admin API of the cluster primary')
  }

  /** Workers never write: the primary reverts expired changes itself and sends the (identical) result. */
  async compareAndSet(): Promise<boolean> {
    return false
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#listener) process.off('message', this.#listener)
    this.#listener = undefined
  }

  #reject(m: { readonly type: string }): void {
    this.#guard.faults?.rejectedValue('cluster')
    this.#guard.logger.warn({ type: m.type }, 'ignoring a malformed runtime message from the cluster primary')
  }
}
