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

  /** Counts the pair in its group (once per job id) and keeps its sample. Returns false for a job already counted. */
  async record(input: { route: string; verdict: Verdict; sample: MismatchSample; seenMs: number; nowMs?: number }): Promise<boolean> {
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
    )
    return res === 1
  }

  /** Groups, largest count first (then most recent), optionally of one route. */
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
      })
    })
    // Index entries whose group expired (TTL) are dropped lazily.
    if (expired.length > 0) await this.#redis.zrem(mismatchIndexKey(this.#prefix), ...expired)
    groups.sort((a, b) => b.count - a.count || (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0))
    return groups.slice(0, options.limit)
  }
}
