import { ConfigError } from '../errors.js'
import { MAX_TIMER_MS, formatDurationBound, parseDuration } from '../duration.js'
import { maskUrlCredentials } from './mask-url-credentials.js'

/**
 * A cursor over one object of the raw config that knows its key path, so every message names
 * the exact key: "routes[2].mirror.percent must be between 0 and 100".
 */
export class ConfigReader {
  readonly path: string
  readonly #obj: Record<string, unknown>
  readonly #seen = new Set<string>()

  constructor(path: string, value: unknown) {
    this.path = path
    if (value === undefined || value === null) this.#obj = {}
    else if (typeof value === 'object' && !Array.isArray(value)) this.#obj = value as Record<string, unknown>
    else throw new ConfigError(path || 'config', 'must be a mapping (an object)')
  }

  key(k: string): string {
    return this.path ? `${this.path}.${k}` : k
  }

  raw(k: string): unknown {
    this.#seen.add(k)
    return this.#obj[k]
  }

  has(k: string): boolean {
    return this.#obj[k] !== undefined && this.#obj[k] !== null
  }

  child(k: string): ConfigReader {
    return new ConfigReader(this.key(k), this.raw(k))
  }

  string(k: string, def: string): string
  string(k: string, def?: undefined): string | undefined
  string(k: string, def?: string): string | undefined {
    const v = this.raw(k)
    if (v === undefined || v === null) return def
    if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(this.key(k), 'must be a string')
    return String(v)
  }

  requiredString(k: string): string {
    const v = this.string(k)
    if (v === undefined || v === '') throw new ConfigError(this.key(k), 'is required')
    return v
  }

  number(k: string, def: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.raw(k)
    if (v === undefined || v === null) return def
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new ConfigError(this.key(k), 'must be a number')
    checkRange(this.key(k), n, opts)
    return n
  }

  /** A duration in ms; at most `max`, by default MAX_TIMER_MS, since a longer one would fire a timer at once. */
  duration(k: string, def: number, opts: { min?: number; max?: number } = {}): number {
    const v = this.raw(k)
    if (v === undefined || v === null) return def
    const n = typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : undefined
    if (n === undefined) throw new ConfigError(this.key(k), 'must be a duration such as 500ms, 5s or 10m (a bare number is milliseconds)')
    if (opts.max === undefined && n > MAX_TIMER_MS) throw new ConfigError(this.key(k), `must be at most ${formatDurationBound(MAX_TIMER_MS)}`)
    checkRange(this.key(k), n, opts)
    return n
  }

  boolean(k: string, def: boolean): boolean {
    const v = this.raw(k)
    if (v === undefined || v === null) return def
    if (v === true || v === 'true') return true
    if (v === false || v === 'false') return false
    throw new ConfigError(this.key(k), 'must be true or false')
  }

  stringList(k: string, def: readonly string[]): readonly string[] {
    const v = this.raw(k)
    if (v === undefined || v === null) return def
    if (!Array.isArray(v)) throw new ConfigError(this.key(k), 'must be a list of strings')
    return v.map((x, i) => {
      if (typeof x !== 'string' || x === '') throw new ConfigError(`${this.key(k)}[${i}]`, 'must be a non-empty string')
      return x
    })
  }

  list(k: string): readonly unknown[] {
    const v = this.raw(k)
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) throw new ConfigError(this.key(k), 'must be a list')
    return v
  }

  oneOf<T extends string>(k: string, allowed: readonly T[], def: T): T {
    const v = this.string(k)
    if (v === undefined) return def
    if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(this.key(k), `must be one of ${allowed.join(', ')} (got "${v}")`)
    return v as T
  }

  entries(): [string, unknown][] {
    return Object.entries(this.#obj)
  }

  /** Rejects keys nobody read, so a typo such as `percnt` is an error instead of a silent default. */
  done(): void {
    for (const k of Object.keys(this.#obj)) {
      if (!this.#seen.has(k)) throw new ConfigError(this.key(k), 'is not a known option')
    }
  }
}

function checkRange(key: string, n: number, opts: { min?: number; max?: number; integer?: boolean }): void {
  if (opts.integer && !Number.isInteger(n)) throw new ConfigError(key, 'must be a whole number')
  if (opts.min !== undefined && opts.max !== undefined && (n < opts.min || n > opts.max)) {
    throw new ConfigError(key, `must be between ${opts.min} and ${opts.max}`)
  }
  if (opts.min !== undefined && n < opts.min) throw new ConfigError(key, `must be at least ${opts.min}`)
  if (opts.max !== undefined && n > opts.max) throw new ConfigError(key, `must be at most ${opts.max}`)
}

/** Checks that `value` is an absolute http(s) URL and returns it without a trailing slash. */
export function checkUpstreamUrl(key: string, value: string): string {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new ConfigError(key, `must be an absolute http:// or https:// URL (got "${maskUrlCredentials(value)}")`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(key, `must use http:// or https:// (got "${u.protocol}")`)
  if (u.search || u.hash) throw new ConfigError(key, 'must not contain a query string or fragment')
  return value.replace(/\/+$/, '')
}
