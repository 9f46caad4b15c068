import { isIP } from 'node:net'
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv'
import type { ConfigIssue } from '../errors.js'
import { MAX_TIMER_MS, formatDurationBound, parseDuration } from '../duration.js'
import { parsePathPattern } from '../path-grammar.js'
import { routeTemplateError } from '../route-template.js'
import { configJsonSchema } from './config-json-schema.js'
import { DURATION_MESSAGE } from './config-schema-builders.js'
import { maskUrlCredentials } from './mask-url-credentials.js'

type Json = { [key: string]: unknown }

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function rangeMessage(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}`
  return min !== undefined ? `must be at least ${min}` : `must be at most ${String(max)}`
}

const ALLOWED_HOST = /^(\*|\.?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*|\[?[0-9A-Fa-f:.]+\]?)$/

/** `scheme://host[:port]` as a browser sends it in Origin, or undefined when `text` is not only that (a path, query or user part never equals an Origin). */
export function originOf(text: string): string | undefined {
  try {
    const url = new URL(text)
    return url.origin !== 'null' && url.href === `${url.origin}/` ? url.origin : undefined
  } catch {
    return undefined
  }
}

/** Why `text` is not an IPv4 or IPv6 address or CIDR (10.0.0.0/8, fd00::/8; a bare address is one host), or undefined. */
export function cidrError(text: string): string | undefined {
  const slash = text.indexOf('/')
  const address = slash < 0 ? text : text.slice(0, slash)
  const family = isIP(address)
  if (family === 0) return `must be an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or fd00::/8 (got "${text}")`
  if (slash < 0) return undefined
  const bits = text.slice(slash + 1)
  const max = family === 4 ? 32 : 128
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max ? undefined : `has an invalid prefix length "/${bits}" (0-${max} for IPv${family})`
}

/** Why `value` is not an absolute http(s) URL without query or fragment, or undefined when it is one. */
export function upstreamUrlError(value: string): string | undefined {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    return `must be an absolute http:// or https:// URL (got "${maskUrlCredentials(value)}")`
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must use http:// or https:// (got "${u.protocol}")`
  if (u.search || u.hash) return 'must not contain a query string or fragment'
  return undefined
}

/** Why `text` is not a redis://host:port URL of a cluster node or sentinel (no database: those have database 0 only), or undefined. */
export function redisNodeUrlError(text: string): string | undefined {
  if (!/^rediss?:\/\//.test(text)) return `must be a redis:// or rediss:// URL (got "${maskUrlCredentials(text)}")`
  let u: URL
  try {
    u = new URL(text)
  } catch {
    return `is not a valid URL (got "${maskUrlCredentials(text)}")`
  }
  if (!u.hostname || !u.port) return `must name a host and a port (got "${maskUrlCredentials(text)}")`
  if (u.pathname !== '' && u.pathname !== '/' && u.pathname !== '/0') return 'must not select a database: a cluster and a sentinel have database 0 only'
  return undefined
}

/** A keyword of our own: `check` returns the constraint broken, or undefined when the value is fine. */
function keyword(ajv: Ajv, name: string, type: 'string' | ['string', 'number'], schemaType: 'boolean' | 'object', check: (data: string, schema: Json) => string | undefined): void {
  const validate: SchemaValidateFunction = (schema: unknown, data: unknown) => {
    const message = check(data as string, isObject(schema) ? schema : {})
    validate.errors = message === undefined ? [] : [{ keyword: name, message, params: {} }]
    return message === undefined
  }
  ajv.addKeyword({ keyword: name, type, schemaType, errors: true, validate })
}

function buildValidator(): ValidateFunction {
  // coerceTypes: values from ${ENV} are strings ("8080", "true"); nulls are removed before checking.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true })
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' })
  keyword(ajv, 'duration', ['string', 'number'], 'object', (data, range) => {
    const ms = parseDuration(data)
    // A malformed string is reported by the pattern next to this keyword; a pattern does not apply to numbers.
    if (ms === undefined) {
      if (typeof data === 'number') return DURATION_MESSAGE
      // Digits too many to be a number pass the pattern: say it here, or nobody would.
      return /^\s*[0-9]/.test(data) && /^[\s0-9.a-z]*$/.test(data) ? DURATION_MESSAGE : undefined
    }
    const min = typeof range['min'] === 'number' ? range['min'] : undefined
    const max = typeof range['max'] === 'number' ? range['max'] : undefined
    if ((min !== undefined && ms < min) || (max !== undefined && ms > max)) return rangeMessage(min, max)
    // Without a bound of its own, a duration still has to fit a timer: a longer one would fire at once.
    return max === undefined && ms > MAX_TIMER_MS ? `must be at most ${formatDurationBound(MAX_TIMER_MS)}` : undefined
  })
  keyword(ajv, 'fieldPath', 'string', 'boolean', (data) => {
    try {
      parsePathPattern(data)
      return undefined
    } catch (err) {
      return `is not a valid field path: ${(err as Error).message}`
    }
  })
  keyword(ajv, 'routeTemplate', 'string', 'boolean', (data) => routeTemplateError(data))
  keyword(ajv, 'cidr', 'string', 'boolean', (data) => cidrError(data))
  keyword(ajv, 'allowedHost', 'string', 'boolean', (data) => (ALLOWED_HOST.test(data) ? undefined : `must be a host name without scheme or port, ".domain" or "*" (got ${JSON.stringify(data)})`))
  keyword(ajv, 'allowedOrigin', 'string', 'boolean', (data) => (originOf(data) === undefined ? `must be an origin such as https://ops.example:8443, scheme and host only (got ${JSON.stringify(data)})` : undefined))
  keyword(ajv, 'upstreamUrl', 'string', 'boolean', (data) => upstreamUrlError(data))
  // An empty URL is "no Redis" (`redis: ${REDIS_URL:-}`); the object form's url has a minLength for that.
  keyword(ajv, 'redisUrl', 'string', 'boolean', (data) => (data === '' || /^rediss?:\/\//.test(data) ? undefined : `must be a redis:// or rediss:// URL (got "${maskUrlCredentials(data)}")`))
  keyword(ajv, 'redisNodeUrl', 'string', 'boolean', (data) => redisNodeUrlError(data))
  return ajv.compile(configJsonSchema())
}

let validator: ValidateFunction | undefined

function quoteKey(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k)
}

/** `/routes/2/mirror/percent` → `routes[2].mirror.percent`, reading the data to tell list items from keys. */
function keyOf(data: unknown, pointer: string, child?: string): string {
  let out = ''
  let cur: unknown = data
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  for (const seg of [...segments, ...(child === undefined ? [] : [child])]) {
    if (Array.isArray(cur)) {
      out += `[${seg}]`
      cur = cur[Number(seg)]
    } else {
      out += `${out ? '.' : ''}${quoteKey(seg)}`
      cur = isObject(cur) ? cur[seg] : undefined
    }
  }
  return out || 'config'
}

function jsonType(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

function typeMessage(expected: unknown, data: unknown): string {
  if (expected === 'integer' && typeof data === 'number') return 'must be a whole number'
  if (expected === 'integer' || expected === 'number') return 'must be a number'
  if (expected === 'boolean') return 'must be true or false'
  if (expected === 'object') return 'must be a mapping (an object)'
  if (expected === 'array') return 'must be a list'
  return 'must be a string'
}

function branchTypes(branch: unknown): string[] {
  const t = isObject(branch) ? branch['type'] : undefined
  const list = Array.isArray(t) ? t : t === undefined ? [] : [t]
  return list.flatMap((x) => (x === 'integer' ? ['number'] : [String(x)]))
}

/**
 * Of the alternatives of an anyOf, only the one meant (the one whose type the value has) explains
 * the failure; without such a branch the anyOf's own errorMessage does.
 */
function narrowAnyOf(errors: readonly ErrorObject[]): ErrorObject[] {
  let out = [...errors]
  for (const e of errors.filter((x) => x.keyword === 'anyOf')) {
    const branches = isObject(e.parentSchema) && Array.isArray(e.parentSchema['anyOf']) ? e.parentSchema['anyOf'] : []
    const meant = branches.findIndex((b) => branchTypes(b).includes(jsonType(e.data)))
    const under = `${e.schemaPath}/`
    out = out.filter((x) => {
      if (x === e) return meant < 0
      if (!x.schemaPath.startsWith(under)) return true
      return meant >= 0 && x.schemaPath.startsWith(`${under}${meant}/`)
    })
  }
  return out
}

function issueOf(e: ErrorObject, data: unknown): ConfigIssue | undefined {
  const parent = isObject(e.parentSchema) ? e.parentSchema : {}
  const custom = typeof parent['errorMessage'] === 'string' ? parent['errorMessage'] : undefined
  const key = keyOf(data, e.instancePath, e.propertyName)
  const p = e.params as Json
  switch (e.keyword) {
    case 'required':
      return { key: keyOf(data, e.instancePath, String(p['missingProperty'])), constraint: 'is required' }
    case 'additionalProperties':
      return { key: keyOf(data, e.instancePath, String(p['additionalProperty'])), constraint: 'is not a known option' }
    case 'type':
      return { key, constraint: custom ?? typeMessage(p['type'], e.data) }
    case 'minimum':
    case 'maximum':
      return { key, constraint: rangeMessage(parent['minimum'] as number | undefined, parent['maximum'] as number | undefined) }
    case 'minLength': {
      const limit = Number(p['limit'])
      return { key, constraint: custom ?? (limit <= 1 ? 'must not be empty' : `must be at least ${limit} characters long`) }
    }
    case 'pattern':
      return { key, constraint: custom ?? `must match ${String(p['pattern'])}` }
    case 'enum':
      return { key, constraint: `must be one of ${(p['allowedValues'] as unknown[]).join(', ')} (got "${String(e.data)}")` }
    case 'anyOf':
      return { key, constraint: custom ?? 'is not valid' }
    case 'propertyNames':
      return undefined // the failing check of the name reports it, naming the key
    default:
      return { key, constraint: e.message ?? 'is not valid' }
  }
}

/**
 * Errors of our own keywords under `propertyNames` do not carry the name checked; the summary
 * error ajv adds after them does, so it is copied onto them.
 */
function withPropertyNames(errors: readonly ErrorObject[]): ErrorObject[] {
  const out = errors.map((e) => ({ ...e }))
  out.forEach((e, i) => {
    if (e.propertyName !== undefined || !e.schemaPath.includes('/propertyNames/')) return
    const summary = out.slice(i + 1).find((x) => x.keyword === 'propertyNames' && x.instancePath === e.instancePath)
    const name = summary?.params['propertyName']
    if (typeof name === 'string') e.propertyName = name
  })
  return out
}

/** A deep copy without null members: an empty YAML key (`port:`) means "use the default", as if absent. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls)
  if (isObject(v)) return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => [k, withoutNulls(x)]))
  return v
}

/**
 * Checks a parsed config against the schema and fills in its defaults. Returns the defaulted copy
 * (a ShadowgateConfigFile when there are no issues) and every problem found, each with its key path.
 */
export function checkConfigSchema(raw: unknown): { data: unknown; issues: ConfigIssue[] } {
  validator ??= buildValidator()
  const data = withoutNulls(raw ?? {})
  if (validator(data)) return { data, issues: [] }
  const seen = new Set<string>()
  const issues: ConfigIssue[] = []
  for (const e of narrowAnyOf(withPropertyNames(validator.errors ?? []))) {
    const issue = issueOf(e, data)
    if (!issue || seen.has(`${issue.key} ${issue.constraint}`)) continue
    seen.add(`${issue.key} ${issue.constraint}`)
    issues.push(issue)
  }
  return { data, issues }
}
