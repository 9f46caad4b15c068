import type { ConfigIssue } from '../errors.js'
import { parseDuration } from '../duration.js'

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
    const percent = at(r, 'mirror', 'percent')
    if (typeof percent === 'number' && percent > 0 && !hasNew) {
      issues.push({ key: `routes[${i}].${newKey}`, constraint: 'is required when mirror.percent is above 0 (set it here or at the top level)' })
    }
    const stage = at(r, 'stage')
    if ((stage === 'canary' || stage === 'final') && !hasNew) {
      issues.push({ key: `routes[${i}].new`, constraint: `is required when stage is ${stage} (set it here or at the top level)` })
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

/** Every broken rule between keys of a (defaulted) config. */
export function crossKeyIssues(data: unknown): ConfigIssue[] {
  return [
    ...tokenRule(data, ['admin'], 'admin', at(data, 'admin', 'enabled') !== false),
    ...tokenRule(data, ['worker', 'http'], 'worker.http', true),
    ...proxyRules(data),
    ...routeRules(data),
    ...influxRules(data),
  ]
}
