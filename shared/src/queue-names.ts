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
