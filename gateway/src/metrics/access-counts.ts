/** The methods counted by name; anything else is `OTHER` (never a raw client value as a tag). */
export const ACCESS_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'CONNECT', 'OTHER'] as const
/** Status classes; `1xx`-`5xx` as HTTP defines them, `other` for anything outside 100-599. */
export const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const
/** Callers beyond access.maxCallersPerRoute in one window are counted under this name. */
export const OTHER_CALLER = '(other)'

const METHOD_INDEX: ReadonlyMap<string, number> = new Map(ACCESS_METHODS.map((m, i) => [m, i]))
const OTHER_METHOD = ACCESS_METHODS.length - 1
const CELLS = ACCESS_METHODS.length * STATUS_CLASSES.length

/** 404 → 4 (`4xx`); anything outside 100-599 → 0 (`other`). */
export function statusClassIndex(status: number): number {
  return status >= 100 && status < 600 ? Math.floor(status / 100) : 0
}

export function statusClassOf(status: number): string {
  return STATUS_CLASSES[statusClassIndex(status)] ?? 'other'
}

/** One non-zero cell of a window: requests of a caller to a route, by method and status class. */
export interface AccessCount {
  readonly route: string
  readonly caller: string
  readonly method: string
  readonly statusClass: string
  readonly count: number
}

/**
 * Who calls what, per window: requests by route × caller × method × status class. Recording is a
 * map lookup and an array increment (a caller's cell array is allocated on its first request of a
 * window). Each route counts at most `maxCallersPerRoute` distinct callers per window; requests of
 * the others go to `(other)`, so the series a window writes stay bounded whatever clients send.
 */
export class AccessCounts {
  readonly #maxCallers: number
  #routes = new Map<string, Map<string, Float64Array>>()

  constructor(maxCallersPerRoute: number) {
    this.#maxCallers = maxCallersPerRoute
  }

  record(route: string, caller: string, method: string, status: number): void {
    let callers = this.#routes.get(route)
    if (callers === undefined) {
      callers = new Map()
      this.#routes.set(route, callers)
    }
    let cells = callers.get(caller)
    if (cells === undefined) {
      const key = callers.size < this.#maxCallers ? caller : OTHER_CALLER
      cells = callers.get(key)
      if (cells === undefined) {
        cells = new Float64Array(CELLS)
        callers.set(key, cells)
      }
    }
    const m = METHOD_INDEX.get(method) ?? OTHER_METHOD
    const i = m * STATUS_CLASSES.length + statusClassIndex(status)
    cells[i] = (cells[i] ?? 0) + 1
  }

  /** The counts since the previous drain (non-zero cells only); the next window starts empty. */
  drain(): AccessCount[] {
    const routes = this.#routes
    this.#routes = new Map()
    const out: AccessCount[] = []
    for (const [route, callers] of routes) {
      for (const [caller, cells] of callers) {
        for (let i = 0; i < CELLS; i++) {
          const count = cells[i] ?? 0
          if (count === 0) continue
          const method = ACCESS_METHODS[Math.floor(i / STATUS_CLASSES.length)] ?? 'OTHER'
          out.push({ route, caller, method, statusClass: STATUS_CLASSES[i % STATUS_CLASSES.length] ?? 'other', count })
        }
      }
    }
    return out
  }
}
