/** BullMQ queue that carries captured pairs from gateways to audit workers. */
export const AUDIT_QUEUE_NAME = 'shadowgate-audit'

/** Default key prefix for everything shadowgate stores in Redis. */
export const DEFAULT_REDIS_PREFIX = 'shadowgate'

/** Redis hash holding the runtime route settings every gateway instance applies (field = route name, value = JSON). */
export function runtimeSettingsKey(prefix: string): string {
  return `${prefix}:runtime:routes`
}

/** Pub/sub channel announcing a runtime change so every instance re-reads it within a second. */
export function runtimeChannel(prefix: string): string {
  return `${prefix}:runtime:changes`
}

/** Redis list of stage changes (newest first, bounded): who moved which route from which stage to which, and why. */
export function migrationLogKey(prefix: string): string {
  return `${prefix}:migration:log`
}

/** Redis keys of mismatch groups (sorted set index + one hash and one sample list per fingerprint). */
export function mismatchIndexKey(prefix: string): string {
  return `${prefix}:mismatch:index`
}
export function mismatchGroupKey(prefix: string, fingerprint: string): string {
  return `${prefix}:mismatch:group:${fingerprint}`
}
export function mismatchSamplesKey(prefix: string, fingerprint: string): string {
  return `${prefix}:mismatch:samples:${fingerprint}`
}

/** Redis hash of one route's gate figures in the window starting at `windowStart` (epoch ms); see gate-figures.ts. */
export function gateFiguresKey(prefix: string, route: string, windowStart: number): string {
  return `${prefix}:gate:figures:${route}:${windowStart}`
}

/** Redis string (JSON) holding the gate's last decision and its streaks for a route. */
export function gateLastKey(prefix: string, route: string): string {
  return `${prefix}:gate:last:${route}`
}

/** Redis lease naming the one audit worker whose gate evaluator acts. */
export function gateLeaseKey(prefix: string): string {
  return `${prefix}:gate:lease`
}

/** Start (epoch ms) of the gate window holding instant `t`: windows are aligned to multiples of the interval, so every process agrees. */
export function gateWindowStart(t: number, intervalMs: number): number {
  return Math.floor(t / intervalMs) * intervalMs
}

/** How long a figures hash is kept: long enough for late verdicts and for an operator to look, bounded. */
export function gateFiguresTtlMs(intervalMs: number): number {
  return Math.max(10 * intervalMs, 600_000)
}
