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

/**
 * Default prefix in cluster mode: the braces are a Redis Cluster hash tag, so every key shadowgate
 * uses hashes to one slot and the multi-key scripts (BullMQ's, the mismatch groups', the runtime
 * compare-and-set) are legal there.
 */
export const DEFAULT_CLUSTER_REDIS_PREFIX = `{${DEFAULT_REDIS_PREFIX}}`

/**
 * The hash tag Redis Cluster would hash every `<prefix>:...` key by, or undefined when the prefix has
 * none: the text between the first `{` and the next `}`, when not empty (Redis' own rule).
 */
export function prefixHashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{')
  if (open < 0) return undefined
  const close = prefix.indexOf('}', open + 1)
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined
}
