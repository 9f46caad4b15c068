import { compileRouteTemplate, type RouteConfig, type RouteTemplate } from '@shadowgate/shared'

/** The `route` label of requests that match no rule: proxied to the global primary, never mirrored. */
export const UNMATCHED_ROUTE = '(unmatched)'

/** Header rewrites for the shadow copy, ready to apply. */
export interface CompiledHeaderRewrites {
  /** Lower-cased names removed from the copy (including every name that `set` overwrites). */
  readonly drop: ReadonlySet<string>
  readonly set: readonly (readonly [string, string])[]
}

/** A route rule ready for matching: the validated config plus its compiled parts. */
export interface CompiledRoute {
  readonly name: string
  readonly config: RouteConfig
  readonly template: RouteTemplate
  /** Methods the rule matches; undefined matches every method. */
  readonly methods: ReadonlySet<string> | undefined
  /** Methods whose requests may be copied to the shadow. */
  readonly mirrorMethods: ReadonlySet<string>
  readonly shadowHeaders: CompiledHeaderRewrites
}

const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i

/** The path of a raw request target (up to `?`), origin-form; undefined for `*` and other non-paths. */
export function requestPath(url: string): string | undefined {
  let target = url
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    const m = ABSOLUTE_FORM.exec(target)
    if (m === null) return undefined
    target = target.slice(m[0].length)
    if (target === '' || target.charCodeAt(0) === 63 /* '?' */) return '/'
    if (target.charCodeAt(0) !== 47) return undefined
  }
  const q = target.indexOf('?')
  return q === -1 ? target : target.slice(0, q)
}

function compile(config: RouteConfig): CompiledRoute {
  const set = Object.entries(config.mirror.headers.set)
  return {
    name: config.name,
    config,
    template: compileRouteTemplate(config.match),
    methods: config.methods ? new Set(config.methods) : undefined,
    mirrorMethods: new Set(config.mirror.methods),
    shadowHeaders: { drop: new Set([...config.mirror.headers.remove, ...set.map(([k]) => k)]), set },
  }
}

/**
 * The ordered route rules of the config. Matching looks at the method and the raw path (never
 * decoded, so what is matched is exactly what is forwarded); the first rule that matches wins.
 */
export class RouteTable {
  readonly routes: readonly CompiledRoute[]
  readonly #byName: ReadonlyMap<string, CompiledRoute>

  constructor(routes: readonly RouteConfig[]) {
    this.routes = routes.map(compile)
    this.#byName = new Map(this.routes.map((r) => [r.name, r]))
  }

  /** The first rule matching `method` and the path of the raw request target `url`, if any. */
  match(method: string, url: string): CompiledRoute | undefined {
    const routes = this.routes
    if (routes.length === 0) return undefined
    const path = requestPath(url)
    if (path === undefined) return undefined
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i] as CompiledRoute
      if (route.methods !== undefined && !route.methods.has(method)) continue
      if (route.template.matches(path)) return route
    }
    return undefined
  }

  byName(name: string): CompiledRoute | undefined {
    return this.#byName.get(name)
  }
}
