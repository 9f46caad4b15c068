import type { IncomingMessage } from 'node:http'

/**
 * What the gateway asks before it decides anything about a request (in an onRequest hook, in front
 * of the mirror's stage decision and the proxy): whether to let it go on now or later.
 */
export interface RequestGate {
  /** Whether any route is held on this instance now. False on the hot path almost always: then nothing else is looked at. */
  holding(): boolean
  /** Lets the request of `route` go on at once (`proceed()` now) or holds it until its route is released. */
  admit(route: string, req: IncomingMessage, proceed: () => void): void
}

export interface HoldLimits {
  readonly maxRequests: number
  readonly maxBytes: number
}

/** How one hold ended: the waits of its requests in arrival order, and where they went. */
export interface ReleasedHold {
  readonly route: string
  readonly epoch: number
  readonly pauses: readonly number[]
  readonly releasedTo: 'old' | 'new'
  readonly cause: string
}

interface Held {
  readonly at: number
  readonly proceed: () => void
}

interface RouteHold {
  readonly epoch: number
  readonly items: Held[]
  bytes: number
}

/** Header bytes as received plus the declared body: what a held request may cost once released. */
function requestBytes(req: IncomingMessage): number {
  let n = 0
  for (const part of req.rawHeaders) n += part.length + 2
  const length = Number(req.headers['content-length'])
  return n + (Number.isSafeInteger(length) && length > 0 ? length : 0)
}

/**
 * Holds the new requests of routes being cut over, in arrival order, within bounds, and releases
 * them in that order. Requests already past the gate (in flight) are not touched: they finish on
 * the side that was chosen for them. Bodies stay unread in the sockets while held.
 */
export class RequestHold implements RequestGate {
  readonly #holds = new Map<string, RouteHold>()
  readonly #limits: HoldLimits
  readonly #now: () => number
  readonly #onOverflow: (route: string, epoch: number) => void
  readonly #onReleaseError: (err: unknown) => void

  /**
   * `onOverflow` is called when a request would pass a bound: it must release the route (the
   * overflowing request then goes on with the others).
   */
  constructor(limits: HoldLimits, opts: { now?: () => number; onOverflow: (route: string, epoch: number) => void; onReleaseError: (err: unknown) => void }) {
    this.#limits = limits
    this.#now = opts.now ?? Date.now
    this.#onOverflow = opts.onOverflow
    this.#onReleaseError = opts.onReleaseError
  }

  holding(): boolean {
    return this.#holds.size > 0
  }

  /** The epoch held for `route`, if any. */
  epochOf(route: string): number | undefined {
    return this.#holds.get(route)?.epoch
  }

  /** Requests held for `route` now. */
  heldCount(route: string): number {
    return this.#holds.get(route)?.items.length ?? 0
  }

  /** Starts holding `route` for `epoch`; false when it is held already. */
  begin(route: string, epoch: number): boolean {
    if (this.#holds.has(route)) return false
    this.#holds.set(route, { epoch, items: [], bytes: 0 })
    return true
  }

  admit(route: string, req: IncomingMessage, proceed: () => void): void {
    const hold = this.#holds.get(route)
    if (hold === undefined) {
      proceed()
      return
    }
    const bytes = requestBytes(req)
    if (hold.items.length >= this.#limits.maxRequests || hold.bytes + bytes > this.#limits.maxBytes) {
      this.#onOverflow(route, hold.epoch)
      // The overflow released the route (or it must go on regardless): never leave a request waiting on a bound.
      if (this.#holds.get(route) !== hold) {
        this.admit(route, req, proceed)
        return
      }
      proceed()
      return
    }
    hold.bytes += bytes
    hold.items.push({ at: this.#now(), proceed })
  }

  /**
   * Ends the hold of `route` if it is `epoch`'s and lets its requests go on, oldest first; the caller
   * has already set the side they go to (the route's stage). Undefined when that hold is not running.
   */
  release(route: string, epoch: number, releasedTo: 'old' | 'new', cause: string): ReleasedHold | undefined {
    const hold = this.#holds.get(route)
    if (hold === undefined || hold.epoch !== epoch) return undefined
    this.#holds.delete(route)
    const now = this.#now()
    const pauses = hold.items.map((h) => Math.max(0, now - h.at))
    for (const h of hold.items) {
      try {
        h.proceed()
      } catch (err) {
        // One request's failure must not keep the ones behind it waiting.
        this.#onReleaseError(err)
      }
    }
    return { route, epoch, pauses, releasedTo, cause }
  }

  /** Releases every hold (to the side in force), e.g. when the gateway closes. */
  releaseAll(cause: string): ReleasedHold[] {
    const out: ReleasedHold[] = []
    for (const [route, hold] of [...this.#holds]) {
      const r = this.release(route, hold.epoch, 'old', cause)
      if (r) out.push(r)
    }
    return out
  }
}
