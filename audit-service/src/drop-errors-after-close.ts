import type { EventEmitter } from 'node:events'
import type { Queue, Worker } from 'bullmq'

/**
 * Keeps a BullMQ worker's or queue's closed connections from ending the process. BullMQ 5 reports a
 * connection whose setup failed by emitting 'error' from a promise handler, and closing the
 * connection removes every listener first. A setup still under way at the close (a stop right after
 * start, or while Redis is away) fails after it, from the close's own disconnect or the last
 * connect error; EventEmitter throws on an 'error' nobody listens to, and the throw becomes an
 * unhandled rejection ("Connection is closed."). Such an error is dropped: the connection was
 * closed on purpose, so its setup's failure tells nothing (BullMQ 6 drops it the same way). While
 * anyone listens (the owner forwards its connections' errors to its own 'error' event until it
 * closes), errors are delivered as before.
 */
export function dropErrorsAfterClose(owner: Worker | Queue): void {
  // `connection` is protected and `blockingConnection` (a worker's duplicate for blocking reads)
  // private in BullMQ's types; both are its RedisConnection emitters.
  const { connection, blockingConnection } = owner as unknown as { connection?: EventEmitter; blockingConnection?: EventEmitter }
  for (const emitter of [connection, blockingConnection]) {
    if (!emitter) continue
    const emit = emitter.emit.bind(emitter)
    emitter.emit = (event: string | symbol, ...args: unknown[]): boolean => (event === 'error' && emitter.listenerCount('error') === 0 ? false : emit(event, ...args))
  }
}
