/**
 * The BullMQ job id for a correlation id. BullMQ rejects custom ids that are integers or contain
 * `:`, and one rejected id fails its whole batch, so such ids (and an empty one, replaced by
 * `fallback`) are made safe with an `sg-` prefix; every other id is used unchanged, so that
 * job id = correlation id.
 */
export function queueJobId(correlationId: string, fallback: string): string {
  const id = correlationId === '' ? fallback : correlationId
  // BullMQ's own test, skipped for ids that cannot pass it (most: ids are UUIDs), as it runs per pair.
  const first = id.charCodeAt(0)
  const integerLike = (first === 45 || (first >= 48 && first <= 57)) && `${parseInt(id, 10)}` === id
  if (correlationId !== '' && !integerLike && !id.includes(':')) return id
  return `sg-${id.replaceAll(':', '_')}`
}
