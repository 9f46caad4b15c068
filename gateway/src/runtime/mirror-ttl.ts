import { formatDurationBound, parseDuration } from '@shadowgate/shared'

/**
 * Longest ttl of a temporary mirror change. A temporary change is for a load test or an incident;
 * one that should outlive a month is a lasting change (no ttl) or a config file edit. The bound also
 * keeps every stored expiry a valid date on every instance.
 */
export const MAX_MIRROR_TTL_MS = 30 * 86_400_000

const SHAPE = 'a positive duration such as 300ms, 30s, 10m, 2h or 7d, or a number of milliseconds'

/** What is wrong with a ttl in ms, or undefined when it is in range. */
export function mirrorTtlProblem(ttlMs: number): string | undefined {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) return `ttl must be ${SHAPE} (got ${ttlMs})`
  if (ttlMs > MAX_MIRROR_TTL_MS) return `ttl must be at most ${formatDurationBound(MAX_MIRROR_TTL_MS)} (got ${ttlMs} ms); for a lasting change leave ttl out`
  return undefined
}

/** Parses a ttl as the admin API and the CLI take it: the ttl in ms, or a message naming what is wrong. */
export function parseMirrorTtl(ttl: unknown): { readonly ttlMs: number } | { readonly problem: string } {
  const ttlMs = typeof ttl === 'string' || typeof ttl === 'number' ? parseDuration(ttl) : undefined
  if (ttlMs === undefined) return { problem: `ttl must be ${SHAPE} (got ${JSON.stringify(ttl)})` }
  const problem = mirrorTtlProblem(ttlMs)
  return problem === undefined ? { ttlMs } : { problem }
}
