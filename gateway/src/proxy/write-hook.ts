import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { PrimaryObserver } from './primary-observer.js'

/** Which side a logged write is forwarded to: the route's primary (old) or its shadow (new, stage final). */
export type WriteTarget = 'old' | 'new'

/**
 * Forwards the write through the proxy's own forwarder, with the body and observer the hook chose: a
 * stream, or a body already read whole (sent with its head, without a stream around it).
 */
export type ForwardWrite = (body: Readable | Buffer | null, target: WriteTarget, observer: PrimaryObserver | undefined) => void

/**
 * Lets the write log wrap a write's forwarding (append an intent before, record the outcome after)
 * without the proxy knowing about Redis. `handles` runs on every request of a route and must be an
 * in-memory check; routes without a write log never reach `forward`.
 */
export interface WriteHook {
  handles(route: string, method: string): boolean
  forward(req: IncomingMessage, res: ServerResponse, body: Readable | null, route: string, observer: PrimaryObserver | undefined, forward: ForwardWrite): void
}
