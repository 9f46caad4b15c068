import type { RedisClient } from '../create-redis-client.js'

/** Redis key prefix of the timestamp slot leases (`<prefix>:audit:slot:<n>` = gateway instance id). */
export function slotLeaseKeyPrefix(prefix: string): string {
  return `${prefix}:audit:slot:`
}

export const SLOT_COUNT = 1_000
export const SLOT_LEASE_MS = 7 * 86_400_000
const SLOT_RENEW_MS = 3_600_000
const MAX_CACHED_INSTANCES = 10_000

// Claims the instance's natural slot, or the next free one; renews a lease it already holds. KEYS[1]
// (the natural slot's key) only routes the call: in cluster mode every lease key shares the prefix's
// hash tag, so the keys the script builds live in that key's slot.
const CLAIM_SCRIPT = `
local natural = tonumber(ARGV[3])
for i = 0, ${SLOT_COUNT - 1} do
  local slot = (natural + i) % ${SLOT_COUNT}
  local key = ARGV[1] .. slot
  local owner = redis.call('GET', key)
  if owner == false then
    redis.call('SET', key, ARGV[2], 'PX', ARGV[4])
    return slot
  end
  if owner == ARGV[2] then
    redis.call('PEXPIRE', key, ARGV[4])
    return slot
  end
end
return natural
`

/**
 * Turns a pair's capture time into its InfluxDB point time, unique across gateway instances.
 *
 * A gateway's UniqueClock never repeats a timestamp, and puts a slot derived from its instance id
 * in the last three digits; two instances whose ids hash to the same slot could still produce the
 * same timestamp, and one pair's point would overwrite the other's. So each instance leases its
 * slot in Redis; an instance that finds its slot leased by another gets the next free one, and
 * its points carry that slot instead (the time moves by less than a microsecond). Leases last
 * 7 days and are renewed hourly while the instance produces pairs; the mapping is cached here, so
 * it costs one Redis call per instance per hour. A re-run job maps to the same time.
 */
export class PairTimestamps {
  readonly #redis: RedisClient
  readonly #keyPrefix: string
  readonly #cache = new Map<string, { slot: number; at: number }>()

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis
    this.#keyPrefix = slotLeaseKeyPrefix(prefix)
  }

  async pointTime(instance: string, capturedAtNs: string): Promise<string> {
    if (capturedAtNs.length <= 3) return capturedAtNs
    const natural = Number(capturedAtNs.slice(-3))
    const slot = await this.#slot(instance, natural)
    return slot === natural ? capturedAtNs : `${capturedAtNs.slice(0, -3)}${String(slot).padStart(3, '0')}`
  }

  async #slot(instance: string, natural: number): Promise<number> {
    const now = Date.now()
    const cached = this.#cache.get(`${natural}\u0000${instance}`)
    if (cached && now - cached.at < SLOT_RENEW_MS) return cached.slot
    const slot = Number(await this.#redis.eval(CLAIM_SCRIPT, 1, `${this.#keyPrefix}${natural}`, this.#keyPrefix, instance, String(natural), String(SLOT_LEASE_MS)))
    if (this.#cache.size >= MAX_CACHED_INSTANCES) this.#cache.clear()
    this.#cache.set(`${natural}\u0000${instance}`, { slot, at: now })
    return slot
  }
}
