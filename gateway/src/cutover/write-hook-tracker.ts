import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { PrimaryObserver } from '../proxy/primary-observer.js'
import type { ForwardWrite, WriteHook } from '../proxy/write-hook.js'

/**
 * Counts, per route, the logged writes that have passed the cut-over hold but whose intent is not in
 * the write log yet (the body is still being read, the append is under way): from the hook's
 * `forward` until the log forwards the write, or the client goes away. A gateway acknowledges a
 * PREPARE only once its route has none, so "the log drained" then also covers every write it let through.
 */
export class WriteHookTracker implements WriteHook {
  readonly #inner: WriteHook
  readonly #pending = new Map<string, number>()
  readonly #waiters = new Map<string, Set<() => void>>()

  constructor(inner: WriteHook) {
    this.#inner = inner
  }

  handles(route: string, method: string): boolean {
    return this.#inner.handles(route, method)
  }

  forward(req: IncomingMessage, res: ServerResponse, body: Readable | null, route: string, observer: PrimaryObserver | undefined, forward: ForwardWrite): void {
    this.#pending.set(route, (this.#pending.get(route) ?? 0) + 1)
    let done = false
    const settle = (): void => {
      if (done) return
      done = true
      res.off('close', settle)
      const left = (this.#pending.get(route) ?? 1) - 1
      if (left > 0) {
        this.#pending.set(route, left)
        return
      }
      this.#pending.delete(route)
      const waiters = this.#waiters.get(route)
      this.#waiters.delete(route)
      for (const wake of waiters ?? []) wake()
    }
    res.once('close', settle)
    try {
      this.#inner.forward(req, res, body, route, observer, (b, target, o) => {
        settle()
        forward(b, target, o)
      })
    } catch (err) {
      settle()
      throw err
    }
  }

  /** Writes of `route` between the hold and the log now. */
  pending(route: string): number {
    return this.#pending.get(route) ?? 0
  }

  /** Resolves true once `route` has no such write, false after `timeoutMs`. */
  settled(route: string, timeoutMs: number): Promise<boolean> {
    if (this.pending(route) === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      let set = this.#waiters.get(route)
      if (set === undefined) this.#waiters.set(route, (set = new Set()))
      const wake = (): void => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        this.#waiters.get(route)?.delete(wake)
        resolve(false)
      }, timeoutMs)
      set.add(wake)
    })
  }
}
