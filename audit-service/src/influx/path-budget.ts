import type { RedisClient } from '../create-redis-client.js'
import { OTHER_PATH } from '@shadowgate/influx'

/** Redis set of the paths admitted as `path` tag values for a route (shared by every worker). */
export function pathBudgetKey(prefix: string, route: string): string {
  return `${prefix}:audit:paths:${route}`
}

// Admits each path that is already a member or fits under the bound; answers 1 (admitted) or 0.
const ADMIT_SCRIPT = `
local max = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local p = ARGV[i]
  if redis.call('SISMEMBER', KEYS[1], p) == 1 then
    out[#out + 1] = 1
  elseif redis.call('SCARD', KEYS[1]) < max then
    redis.call('SADD', KEYS[1], p)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`

interface RouteState {
  readonly admitted: Set<string>
  full: boolean
}

/**
 * Bounds the distinct `path` tag values of shadowgate_field_diff per route (worker.maxPathsPerRoute)
 * so a body keyed by user data cannot create unbounded series. The admitted set lives in Redis,
 * so every worker agrees and a re-run job maps its paths the same way; this process caches what
 * it learnt (paths admitted, route full), so steady state costs no Redis call. The set has no TTL:
 * delete the key to start a route's budget afresh (then restart workers to drop their cache).
 */
export class PathBudget {
  readonly #redis: RedisClient
  readonly #prefix: string
  readonly #max: number
  readonly #routes = new Map<string, RouteState>()

  constructor(redis: RedisClient, prefix: string, maxPathsPerRoute: number) {
    this.#redis = redis
    this.#prefix = prefix
    this.#max = maxPathsPerRoute
  }

  /** Maps each path to its tag value: itself when admitted, `(other)` otherwise. */
  async tags(route: string, paths: Iterable<string>): Promise<Map<string, string>> {
    let state = this.#routes.get(route)
    if (!state) {
      state = { admitted: new Set(), full: false }
      this.#routes.set(route, state)
    }
    const out = new Map<string, string>()
    const ask: string[] = []
    for (const p of new Set(paths)) {
      if (state.admitted.has(p)) out.set(p, p)
      else if (state.full) out.set(p, OTHER_PATH)
      else ask.push(p)
    }
    if (ask.length === 0) return out
    const res = (await this.#redis.eval(ADMIT_SCRIPT, 1, pathBudgetKey(this.#prefix, route), String(this.#max), ...ask)) as number[]
    ask.forEach((p, i) => {
      if (res[i] === 1) {
        state.admitted.add(p)
        out.set(p, p)
      } else {
        state.full = true
        out.set(p, OTHER_PATH)
      }
    })
    return out
  }
}
