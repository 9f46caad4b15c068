import { Cluster } from 'ioredis'
import type { RedisClient } from '../create-redis-client.js'
import { VALUE_CLASSES, type ValueClass } from './value-class.js'

/** A/A evidence of one route: how many A/A pairs were judged and, per collapsed path, how many differed. */
export interface NoiseEvidence {
  readonly pairs: number
  readonly paths: ReadonlyMap<string, { readonly count: number; readonly cls: ValueClass }>
}

/** An ignore rule added at run time (`shadowgate noise apply`), shared by every worker through Redis. */
export interface RuntimeIgnore {
  readonly route: string
  readonly path: string
  /** Epoch ms when the rule stops applying. */
  readonly expiresAt: number
  readonly at: number
  readonly by: string
}

/** One line of the change log (newest first, at most CHANGE_LOG_LENGTH kept). */
export interface NoiseChange extends RuntimeIgnore {
  readonly action: 'apply' | 'remove'
}

export const CHANGE_LOG_LENGTH = 1_000
const EMPTY: NoiseEvidence = { pairs: 0, paths: new Map() }

export function noiseEvidenceKey(prefix: string, route: string): string {
  return `${prefix}:noise:aa:${route}`
}
export function noiseIgnoreKey(prefix: string): string {
  return `${prefix}:noise:ignore`
}
export function noiseChangesKey(prefix: string): string {
  return `${prefix}:noise:changes`
}

function count(v: string | undefined): number {
  const n = Number(v)
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

function parseIgnore(raw: string): RuntimeIgnore | undefined {
  try {
    const o = JSON.parse(raw) as Record<string, unknown>
    const { route, path, expiresAt, at, by } = o
    if (typeof route !== 'string' || typeof path !== 'string' || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined
    return { route, path, expiresAt, at: typeof at === 'number' ? at : 0, by: typeof by === 'string' ? by : 'unknown' }
  } catch {
    return undefined
  }
}

/**
 * Noise evidence and runtime ignore rules in Redis, under `redis.prefix`. Everything read back is
 * validated: a malformed field is skipped, never thrown.
 */
export class NoiseStore {
  readonly #redis: RedisClient
  readonly #prefix: string

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis
    this.#prefix = prefix
  }

  /** Records one A/A pair: the distinct collapsed paths that differed and the class of their values. */
  async record(route: string, differing: ReadonlyMap<string, ValueClass>): Promise<void> {
    const key = noiseEvidenceKey(this.#prefix, route)
    const m = this.#redis.multi().hincrby(key, 'pairs', 1)
    for (const [path, cls] of differing) m.hincrby(key, `p:${path}`, 1).hset(key, `c:${path}`, cls)
    await m.exec()
  }

  async evidence(route: string): Promise<NoiseEvidence> {
    const all = await this.#redis.hgetall(noiseEvidenceKey(this.#prefix, route))
    const pairs = count(all['pairs'])
    if (pairs === 0) return EMPTY
    const paths = new Map<string, { count: number; cls: ValueClass }>()
    for (const [field, value] of Object.entries(all)) {
      if (!field.startsWith('p:')) continue
      const path = field.slice(2)
      const c = all[`c:${path}`]
      const cls = VALUE_CLASSES.find((x) => x === c) ?? 'other'
      const n = Math.min(count(value), pairs)
      if (n > 0) paths.set(path, { count: n, cls })
    }
    return { pairs, paths }
  }

  /** Routes that have A/A evidence. */
  async routes(): Promise<string[]> {
    const out: string[] = []
    const base = noiseEvidenceKey(this.#prefix, '')
    // SCAN walks one server: in a Redis Cluster, every master (the keys share the prefix's hash tag,
    // so one of them holds them all, but which one moves with a resharding).
    const servers = this.#redis instanceof Cluster ? this.#redis.nodes('master') : [this.#redis]
    for (const server of servers) {
      let cursor = '0'
      // SCAN is bounded by the key count; a large keyspace only takes more round trips.
      do {
        const [next, keys] = await server.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 500)
        cursor = next
        for (const k of keys) out.push(k.slice(base.length))
      } while (cursor !== '0')
    }
    return [...new Set(out)].sort()
  }

  /** Runtime ignore rules in force (expired ones are left out). */
  async ignores(now = Date.now()): Promise<RuntimeIgnore[]> {
    const all = await this.#redis.hgetall(noiseIgnoreKey(this.#prefix))
    return Object.values(all)
      .map(parseIgnore)
      .filter((r): r is RuntimeIgnore => r !== undefined && r.expiresAt > now)
  }

  /** Adds (or renews) a runtime ignore rule and logs the change. */
  async apply(rule: RuntimeIgnore): Promise<void> {
    await this.#change(rule, 'apply')
  }

  /** Removes a runtime ignore rule (true when there was one) and logs the change. */
  async remove(route: string, path: string, by: string, now = Date.now()): Promise<boolean> {
    const had = await this.#redis.hexists(noiseIgnoreKey(this.#prefix), `${route}\n${path}`)
    if (had) await this.#change({ route, path, expiresAt: now, at: now, by }, 'remove')
    return had === 1
  }

  async changes(limit = 20): Promise<NoiseChange[]> {
    const raw = await this.#redis.lrange(noiseChangesKey(this.#prefix), 0, Math.max(0, limit - 1))
    return raw.flatMap((r) => {
      const rule = parseIgnore(r)
      if (!rule) return []
      const action = (JSON.parse(r) as { action?: unknown }).action
      return action === 'apply' || action === 'remove' ? [{ ...rule, action }] : []
    })
  }

  async #change(rule: RuntimeIgnore, action: NoiseChange['action']): Promise<void> {
    const field = `${rule.route}\n${rule.path}`
    const m = this.#redis.multi()
    if (action === 'apply') m.hset(noiseIgnoreKey(this.#prefix), field, JSON.stringify(rule))
    else m.hdel(noiseIgnoreKey(this.#prefix), field)
    m.lpush(noiseChangesKey(this.#prefix), JSON.stringify({ action, ...rule })).ltrim(noiseChangesKey(this.#prefix), 0, CHANGE_LOG_LENGTH - 1)
    await m.exec()
  }
}
