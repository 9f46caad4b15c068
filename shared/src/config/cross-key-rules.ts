import type { ConfigIssue } from '../errors.js'
import { parseDuration } from '../duration.js'
import { DEFAULT_CLUSTER_REDIS_PREFIX, DEFAULT_REDIS_PREFIX, prefixHashTag } from '../queue-names.js'

/*
 * Rules that tie several keys together, which a JSON Schema cannot state with a readable message.
 * They run on the defaulted data even when some keys broke their own constraints, so one start-up
 * reports everything; hence every read here checks the type it expects.
 */

function at(v: unknown, ...keys: (string | number)[]): unknown {
  let cur = v
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string | number, unknown>)[k]
  }
  return cur
}

function present(v: unknown): boolean {
  return v !== undefined && v !== ''
}

/**
 * Listen addresses that need no token: the usual loopback names only. Another 127.x address is
 * refused too, since some container and VM set-ups forward to it.
 */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost'
}

function tokenRule(data: unknown, section: string[], name: string, when: boolean): ConfigIssue[] {
  const host = at(data, ...section, 'host')
  if (!when || typeof host !== 'string' || isLoopbackHost(host) || present(at(data, ...section, 'token'))) return []
  const key = [...section, 'token'].join('.')
  return [{ key, constraint: `is required when ${name}.host is not a loopback address (got "${host}")` }]
}

/** routes[].gate.steps: 1 to 100 serve percents, each above 0 and at most 100, strictly increasing. */
function gateStepRules(steps: unknown, key: string): ConfigIssue[] {
  if (!Array.isArray(steps)) return []
  if (steps.length === 0 || steps.length > 100) return [{ key, constraint: 'must list 1 to 100 serve percents' }]
  const issues: ConfigIssue[] = []
  let prev: number | undefined
  steps.forEach((v: unknown, i) => {
    if (typeof v !== 'number') return // the schema reports it
    if (!Number.isFinite(v) || v <= 0 || v > 100) issues.push({ key: `${key}[${i}]`, constraint: 'must be a percent above 0 and at most 100' })
    else if (prev !== undefined && v <= prev) issues.push({ key: `${key}[${i}]`, constraint: `must be above the step before it (${prev})` })
    if (Number.isFinite(v)) prev = v
  })
  return issues
}

function routeRules(data: unknown): ConfigIssue[] {
  const routes = at(data, 'routes')
  if (!Array.isArray(routes)) return []
  const issues: ConfigIssue[] = []
  const names = new Set<string>()
  routes.forEach((r: unknown, i) => {
    const name = at(r, 'name')
    if (typeof name === 'string') {
      if (names.has(name)) issues.push({ key: `routes[${i}].name`, constraint: `must be unique ("${name}" is used twice)` })
      names.add(name)
    }
    // `old`/`new` and their aliases `primary`/`shadow` name the same upstream: one of each pair at most.
    for (const [key, alias] of [['old', 'primary'], ['new', 'shadow']] as const) {
      if (present(at(r, key)) && present(at(r, alias))) {
        issues.push({ key: `routes[${i}].${key}`, constraint: `and routes[${i}].${alias} name the same upstream (${alias} is an alias of ${key}); set only one` })
      }
    }
    const newKey = present(at(r, 'new')) ? 'new' : 'shadow'
    const hasNew = present(at(r, 'new')) || present(at(r, 'shadow')) || present(at(data, 'shadow'))
    const writes = at(r, 'writes')
    if (typeof writes === 'object' && writes !== null) {
      if (!present(at(r, 'shadow')) && !present(at(r, 'new')) && !present(at(data, 'shadow'))) {
        issues.push({ key: `routes[${i}].shadow`, constraint: 'is required when writes is set: it is the new side writes are replayed to' })
      }
      const by = at(writes, 'partitionBy')
      const match = at(r, 'match')
      if (typeof by === 'string' && by.startsWith('param:') && typeof match === 'string' && !match.split('/').includes(`:${by.slice('param:'.length)}`)) {
        issues.push({ key: `routes[${i}].writes.partitionBy`, constraint: `names no parameter of match "${match}"` })
      }
    }
    const percent = at(r, 'mirror', 'percent')
    if (typeof percent === 'number' && percent > 0 && !hasNew) {
      issues.push({ key: `routes[${i}].${newKey}`, constraint: 'is required when mirror.percent is above 0 (set it here or at the top level)' })
    }
    const stage = at(r, 'stage')
    if ((stage === 'canary' || stage === 'final') && !hasNew) {
      issues.push({ key: `routes[${i}].new`, constraint: `is required when stage is ${stage} (set it here or at the top level)` })
    }
    const gate = at(r, 'gate')
    if (typeof gate === 'object' && gate !== null) {
      if (!hasNew) issues.push({ key: `routes[${i}].${newKey}`, constraint: 'is required when the route has a gate (set it here or at the top level)' })
      issues.push(...gateStepRules(at(gate, 'steps'), `routes[${i}].gate.steps`))
    }
  })
  return issues
}

function proxyRules(data: unknown): ConfigIssue[] {
  const headers = at(data, 'proxy', 'clientHeadersTimeout')
  const request = at(data, 'proxy', 'clientRequestTimeout')
  const h = typeof headers === 'string' || typeof headers === 'number' ? parseDuration(headers) : undefined
  const r = typeof request === 'string' || typeof request === 'number' ? parseDuration(request) : undefined
  // Node refuses a header deadline beyond the whole-request deadline.
  if (h === undefined || r === undefined || r === 0 || h <= r) return []
  return [{ key: 'proxy.clientHeadersTimeout', constraint: 'must not exceed proxy.clientRequestTimeout (or set proxy.clientRequestTimeout to 0 for no limit)' }]
}

function influxRules(data: unknown): ConfigIssue[] {
  const influx = at(data, 'influx')
  if (typeof influx !== 'object' || influx === null) return []
  const v2 = ['bucket', 'org', 'token'].filter((k) => present(at(influx, k)))
  if (present(at(influx, 'database'))) {
    return v2.length > 0 ? [{ key: 'influx', constraint: 'must use either v1 options (database, retentionPolicy, username, password) or v2 options (token, org, bucket), not both' }] : []
  }
  if (!present(at(influx, 'bucket'))) return [] // the schema reports the missing choice
  return ['token', 'org'].filter((k) => !v2.includes(k)).map((k) => ({ key: `influx.${k}`, constraint: 'is required' }))
}

/** The coordinator must be able to commit before the instances release on their own. */
function cutoverRules(data: unknown): ConfigIssue[] {
  const ack = at(data, 'cutover', 'ackTimeout')
  const pause = at(data, 'cutover', 'maxPause')
  const a = typeof ack === 'string' || typeof ack === 'number' ? parseDuration(ack) : undefined
  const p = typeof pause === 'string' || typeof pause === 'number' ? parseDuration(pause) : undefined
  if (a === undefined || p === undefined || a < p) return []
  return [{ key: 'cutover.ackTimeout', constraint: `must be shorter than cutover.maxPause (${p} ms)` }]
}

const REDIS_MODES = ['url', 'cluster', 'sentinels'] as const

/** Cluster seeds and sentinels share one scheme and one set of credentials (ioredis takes them once). */
function redisNodeListRules(list: unknown, key: string): ConfigIssue[] {
  if (!Array.isArray(list)) return []
  if (list.length === 0) return [{ key, constraint: 'must list at least one redis://host:port URL' }]
  let first: URL | undefined
  for (const [i, text] of list.entries()) {
    let u: URL
    try {
      u = new URL(String(text))
    } catch {
      continue // the URL's own check reports it
    }
    if (first && (u.protocol !== first.protocol || u.username !== first.username || u.password !== first.password)) {
      return [{ key: `${key}[${i}]`, constraint: `must use the same scheme and credentials as ${key}[0]` }]
    }
    first ??= u
  }
  return []
}

/** `redis` as a mapping: exactly one of url, cluster and sentinels, and the keys that only go with one of them. */
function redisRules(data: unknown): ConfigIssue[] {
  const redis = at(data, 'redis')
  if (typeof redis !== 'object' || redis === null || Array.isArray(redis)) return []
  const given = REDIS_MODES.filter((k) => at(redis, k) !== undefined)
  if (given.length !== 1) return [{ key: 'redis', constraint: `must set exactly one of url, cluster or sentinels (got ${given.length === 0 ? 'none' : given.join(' and ')})` }]
  const issues: ConfigIssue[] = []
  for (const k of ['name', 'username', 'password'] as const) {
    if (at(redis, k) !== undefined && given[0] !== 'sentinels') issues.push({ key: `redis.${k}`, constraint: 'is only used with redis.sentinels' })
  }
  if (given[0] === 'sentinels') {
    issues.push(...redisNodeListRules(at(redis, 'sentinels'), 'redis.sentinels'))
    if (at(redis, 'name') === undefined) issues.push({ key: 'redis.name', constraint: 'is required' })
  }
  if (given[0] === 'cluster') {
    issues.push(...redisNodeListRules(at(redis, 'cluster'), 'redis.cluster'))
    const setPrefix = at(redis, 'prefix')
    const prefix = setPrefix === undefined ? DEFAULT_CLUSTER_REDIS_PREFIX : setPrefix
    if (typeof prefix === 'string' && prefixHashTag(prefix) === undefined) {
      issues.push({
        key: 'redis.prefix',
        constraint: `must contain a hash tag such as {${prefix || DEFAULT_REDIS_PREFIX}} with redis.cluster, so every key of a queue or script lands in one slot (got "${prefix}")`,
      })
    }
  }
  return issues
}

/** Every broken rule between keys of a (defaulted) config. */
export function crossKeyIssues(data: unknown): ConfigIssue[] {
  return [
    ...tokenRule(data, ['admin'], 'admin', at(data, 'admin', 'enabled') !== false),
    ...tokenRule(data, ['worker', 'http'], 'worker.http', true),
    ...proxyRules(data),
    ...routeRules(data),
    ...influxRules(data),
    ...redisRules(data),
    ...cutoverRules(data),
  ]
}
