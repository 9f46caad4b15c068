/** An upstream base URL split the way undici wants it: origin for the pool, path prefix for requests. */
export interface UpstreamTarget {
  /** The upstream as configured, e.g. `http://10.0.0.5:8080/api`. */
  readonly url: string
  /** `http://10.0.0.5:8080` */
  readonly origin: string
  /** `/api`, or '' when the upstream has no path. Never ends with `/`. */
  readonly basePath: string
}

const MAX_CACHED = 1_024

/**
 * Parses upstream URLs once. Which upstream serves a route is runtime state read on every request,
 * so the parsed form is cached by URL string; the cache is bounded because a runtime source could
 * in theory hand out ever new URLs.
 */
export class UpstreamTargets {
  readonly #cache = new Map<string, UpstreamTarget>()

  get(url: string): UpstreamTarget {
    let target = this.#cache.get(url)
    if (target === undefined) {
      const u = new URL(url)
      target = { url, origin: u.origin, basePath: u.pathname.replace(/\/+$/, '') }
      if (this.#cache.size >= MAX_CACHED) this.#cache.clear()
      this.#cache.set(url, target)
    }
    return target
  }
}
