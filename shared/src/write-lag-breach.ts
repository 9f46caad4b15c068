/**
 * Since when a route's replay lag has stayed below `writes.maxLagForCutover`, kept so that any
 * gateway can tell without having watched: the replay lag is over the bound exactly while some
 * entry older than the bound is still in a stream, so a replayer that finishes an entry later than
 * the bound after its append records that moment (Redis time) as the end of a breach. "Below the
 * bound for lagStableFor" is then: no breach ended within lagStableFor, and the oldest entry
 * left now is younger than the bound. Times are Redis' own (TIME, stream ids), so gateway and
 * replayer clocks need not agree.
 */

/**
 * Records a breach if the entry (ARGV[1], epoch ms of its id) finishes more than ARGV[2] ms after
 * its append: sets KEYS[1] to the later of its value and now, with expiry ARGV[3] ms. Returns 1 when
 * it was a breach.
 */
export const RECORD_LAG_BREACH_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now - tonumber(ARGV[1]) <= tonumber(ARGV[2]) then return 0 end
local last = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if now > last then redis.call('SET', KEYS[1], tostring(now), 'PX', ARGV[3]) end
return 1
`

/**
 * How long a breach is remembered: past it, its absence still means "no breach within lagStableFor"
 * for any lagStableFor up to half of it.
 */
export function lagBreachTtlMs(lagStableForMs: number): number {
  return Math.max(86_400_000, 2 * lagStableForMs)
}

/** The epoch ms of a stream entry id (`1700000000000-3`), or undefined when it is not one. */
export function streamIdTime(id: string): number | undefined {
  const m = /^(\d{1,16})-\d+$/.exec(id)
  return m ? Number(m[1]) : undefined
}
