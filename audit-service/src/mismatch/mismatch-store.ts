import { mismatchGroupKey, mismatchIndexKey, mismatchSamplesKey } from '@shadowgate/shared'
import type { RedisClient } from '../create-redis-client.js'
import type { DiffKind, Verdict } from '../verdict/verdict.js'
import type { MismatchGroup, MismatchSample, PathKind } from './mismatch-group.js'
import { RECORD_MISMATCH_SCRIPT } from './record-mismatch-script.js'

export interface MismatchStoreLimits {
  readonly samplesPerGroup: number
  readonly maxGroups: number
  readonly sampleTtlMs: number
}

/** How long, and for how many job ids per group, a re-run job is recognised (see the README). */
export const DEDUPE_WINDOW_MS = 3_600_000
export const DEDUPE_MAX_IDS = 2_000
/** Upper bound of groups one read looks at, whatever maxGroups the writers use. */
export const MAX_GROUPS_READ = 10_000
const JOBS_SUFFIX = ':jobs'

export interface ListOptions {
  readonly route?: string | undefined
  readonly limit: number
  /** Only groups last hit at or after this time, epoch ms. */
  readonly sinceMs?: number | undefined
  /** The reader's rules fingerprint of a route: groups found under other rules are marked stale. */
  readonly currentRules?: ((route: string) => string | undefined) | undefined
}

/** Sorted, distinct (path, kind) pairs of a verdict: the group's paths. */
export function pathKinds(verdict: Verdict): PathKind[] {
  const seen = new Map<string, PathKind>()
  for (const d of verdict.differences) seen.set(`${d.kind}\u0000${d.path}`, { path: d.path, kind: d.kind })
  return [...seen.values()].sort((a, b) => (a.path === b.path ? a.kind.localeCompare(b.kind) : a.path < b.path ? -1 : 1))
}

function iso(ms: string | undefined): string {
  const n = Number(ms)
  return new Date(Number.isFinite(n) ? n : 0).toISOString()
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/**
 * Mismatch groups in Redis (keys from the shared queue-names): one hash and one capped sample list
 * per fingerprint, a sorted-set index by last hit. Memory is bounded by maxGroups and the TTL.
 * The caller owns the Redis connection.
 */
export class MismatchStore {
  readonly #redis: RedisClient
  readonly #prefix: string
  readonly #limits: MismatchStoreLimits

  constructor(redis: RedisClient, prefix: string, limits: MismatchStoreLimits) {
    this.#redis = redis
    this.#prefix = prefix
    this.#limits = limits
  }

  /**
   * Counts the pair in its group (once per job id) and keeps its sample. Returns false for a job
   * already counted. `rules` is the fingerprint of the rules the pair was judged with (see
   * auditRulesFingerprint): a group found under other rules starts afresh.
   */
  async record(input: { route: string; verdict: Verdict; sample: MismatchSample; seenMs: number; rules: string; nowMs?: number }): Promise<boolean> {
    const { route, verdict, sample } = input
    const fp = verdict.fingerprint
    if (fp === undefined) return false
    const groupKey = mismatchGroupKey(this.#prefix, fp)
    const res = await this.#redis.eval(
      RECORD_MISMATCH_SCRIPT,
      4,
      mismatchIndexKey(this.#prefix),
      groupKey,
      mismatchSamplesKey(this.#prefix, fp),
      groupKey + JOBS_SUFFIX,
      sample.jobId,
      String(input.nowMs ?? Date.now()),
      String(this.#limits.sampleTtlMs),
      String(Math.floor(input.seenMs)),
      JSON.stringify(sample),
      String(this.#limits.samplesPerGroup),
      String(this.#limits.maxGroups),
      String(DEDUPE_WINDOW_MS),
      String(DEDUPE_MAX_IDS),
      fp,
      route,
      verdict.reason,
      String(verdict.primaryStatus),
      String(verdict.shadowStatus),
      JSON.stringify(pathKinds(verdict)),
      mismatchGroupKey(this.#prefix, ''),
      mismatchSamplesKey(this.#prefix, ''),
      JOBS_SUFFIX,
      input.rules,
    )
    return res === 1
  }

  /**
   * Deletes mismatch groups (with their samples and job ids), all of them or one route's; returns how
   * many. A pair judged afterwards starts its group afresh.
   */
  async clear(route?: string): Promise<number> {
    const index = mismatchIndexKey(this.#prefix)
    const fps = await this.#redis.zrange(index, 0, -1)
    let victims = fps
    if (route !== undefined && fps.length > 0) {
      const pipe = this.#redis.pipeline()
      for (const fp of fps) pipe.hget(mismatchGroupKey(this.#prefix, fp), 'route')
      const routes = ((await pipe.exec()) ?? []).map((r) => r?.[1])
      victims = fps.filter((_, i) => routes[i] === route)
    }
    if (victims.length === 0) return 0
    const pipe = this.#redis.pipeline()
    for (const fp of victims) {
      const group = mismatchGroupKey(this.#prefix, fp)
      pipe.del(group, mismatchSamplesKey(this.#prefix, fp), group + JOBS_SUFFIX)
    }
    pipe.zrem(index, ...victims)
    await pipe.exec()
    return victims.length
  }

  /** Groups, current before stale, largest count first (then most recent), optionally of one route or since a time. */
  async list(options: ListOptions): Promise<MismatchGroup[]> {
    const fps = await this.#redis.zrevrange(mismatchIndexKey(this.#prefix), 0, MAX_GROUPS_READ - 1)
    if (fps.length === 0) return []
    const pipe = this.#redis.pipeline()
    for (const fp of fps) {
      pipe.hgetall(mismatchGroupKey(this.#prefix, fp))
      pipe.lrange(mismatchSamplesKey(this.#prefix, fp), 0, -1)
    }
    const replies = (await pipe.exec()) ?? []
    const groups: MismatchGroup[] = []
    const expired: string[] = []
    fps.forEach((fp, i) => {
      const h = replies[2 * i]?.[1] as Record<string, string> | undefined
      const samples = (replies[2 * i + 1]?.[1] as string[] | undefined) ?? []
      if (!h || h['count'] === undefined) {
        expired.push(fp)
        return
      }
      if (options.route !== undefined && h['route'] !== options.route) return
      if (options.sinceMs !== undefined && !(Number(h['lastSeen']) >= options.sinceMs)) return
      const rules = h['rules']
      const current = rules === undefined ? undefined : options.currentRules?.(h['route'] ?? '')
      groups.push({
        fingerprint: fp,
        route: h['route'] ?? '',
        reason: h['reason'] ?? '',
        primaryStatus: Number(h['primaryStatus'] ?? 0),
        shadowStatus: Number(h['shadowStatus'] ?? 0),
        paths: parseJson<{ path: string; kind: DiffKind }[]>(h['paths'], []),
        count: Number(h['count']),
        firstSeen: iso(h['firstSeen']),
        lastSeen: iso(h['lastSeen']),
        samples: samples.map((s) => parseJson<MismatchSample | undefined>(s, undefined)).filter((s): s is MismatchSample => s !== undefined),
        ...(rules === undefined ? {} : { rules }),
        stale: current !== undefined && current !== rules,
      })
    })
    // Index entries whose group expired (TTL) are dropped lazily.
    if (expired.length > 0) await this.#redis.zrem(mismatchIndexKey(this.#prefix), ...expired)
    // Current findings first, stale ones after them; each largest first, then most recent.
    groups.sort((a, b) => Number(a.stale) - Number(b.stale) || b.count - a.count || (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0))
    return groups.slice(0, options.limit)
  }
}
