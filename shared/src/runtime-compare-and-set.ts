/**
 * The runtime hash's compare-and-set, as Lua text, shared by every process that changes a route's
 * stored setting (the gateway's runtime store, the audit service's gate).
 *
 * Replaces one field only if it still holds the expected value, and announces the new value in the
 * same atomic step, so announcements reach subscribers in the order of the writes. A change-log
 * entry, when given, is pushed in that step too (bounded list, newest first), so the log never
 * names a change that did not happen nor misses one that did.
 *
 * KEYS: runtime hash, runtime channel, migration log. ARGV: route, expected ('' for none), next
 * ('' removes), announcement, log entry ('' for none), log length.
 */
export const RUNTIME_COMPARE_AND_SET_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (cur or '') ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
redis.call('PUBLISH', KEYS[2], ARGV[4])
if ARGV[5] ~= '' then
  redis.call('LPUSH', KEYS[3], ARGV[5])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
end
return 1
`

/** Entries the stage change log keeps. */
export const MIGRATION_LOG_LENGTH = 1_000

/** The announcement on the runtime channel: the route's new stored value (null: removed). */
export function runtimeChangeMessage(route: string, value: string | null): string {
  return JSON.stringify({ route, value })
}
