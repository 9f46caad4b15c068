/**
 * The BullMQ job id for a correlation id. BullMQ rejects custom ids that are integers or contain
 * `:`, and one rejected id fails its whole batch, so such ids (and an empty one, replaced by
 * `fallback`) are made safe with an `sg-` prefix; every other id is used unchanged, so that
 * job id = correlation id.
 */
export function queueJobId(correlationId: string, fallback: string): string {
  const id = correlationId === '' ? fallback : correlationId
  const integerLike = `${parseInt(id, 10)}` === id
  if (correlationId !== '' && !integerLike && !id.includes(':')) return id
  return `sg-${id.replaceAll(':', '_')}`
}
