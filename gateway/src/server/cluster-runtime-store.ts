import { RuntimeStoreUnavailableError } from '../errors.js'
import type { RuntimeStore, RuntimeStoreSink } from '../runtime/runtime-store.js'
import { isPrimaryMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.js'

const START_WAIT_MS = 2_000

/**
 * A cluster worker's view of the primary's runtime settings, used when no Redis is configured: the
 * primary owns the values (its admin API changes them) and sends every change over IPC. The worker
 * asks for the current values at start, so a worker restarted after a crash starts in step.
 */
export class ClusterRuntimeStore implements RuntimeStore {
  readonly kind = 'cluster'
  #listener: ((m: unknown) => void) | undefined
  #closed = false

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
    this.#listener = (m: unknown) => {
      if (!isPrimaryMessage(m)) return
      const msg: PrimaryMessage = m
      if (msg.type === 'shadowgate:runtime-snapshot') {
        sink.applySnapshot(new Map(msg.values), new Set(), 'cluster')
        gotSnapshot()
      } else if (msg.type === 'shadowgate:runtime-change') {
        sink.applyStored(msg.route, msg.value, 'cluster')
      }
    }
    process.on('message', this.#listener)
    process.send({ type: 'shadowgate:runtime-request' } satisfies WorkerMessage)
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
}
