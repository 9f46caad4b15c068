import cluster, { type Worker } from 'node:cluster'
import { guardHandler, type HandlerGuard } from '../runtime/guard-handler.js'
import type { RuntimeSettings } from '../runtime/runtime-settings.js'
import { isWorkerMessage, type PrimaryMessage } from './cluster-messages.js'

function send(worker: Worker, msg: PrimaryMessage): void {
  // A worker that is exiting may have lost its channel; it gets the values again when it restarts.
  if (worker.isConnected()) worker.send(msg, (err: Error | null) => void err)
}

/**
 * The cluster primary's side of runtime sharing without Redis: the primary's RuntimeSettings are the
 * source of truth (its admin API changes them), every applied value is sent to every worker, and a
 * worker that asks gets the whole current state. Returns a function that stops relaying.
 */
export function relayRuntimeToWorkers(settings: RuntimeSettings, guard: HandlerGuard): () => void {
  const stopChanges = settings.onChange((route, value) => {
    for (const w of Object.values(cluster.workers ?? {})) if (w) send(w, { type: 'shadowgate:runtime-change', route, value })
  })
  const onMessage = guardHandler(guard, 'cluster-runtime-request', (worker: Worker, m: unknown) => {
    if (isWorkerMessage(m) && m.type === 'shadowgate:runtime-request') {
      send(worker, { type: 'shadowgate:runtime-snapshot', values: [...settings.storedValues()] })
    }
  })
  cluster.on('message', onMessage)
  return () => {
    stopChanges()
    cluster.off('message', onMessage)
  }
}
