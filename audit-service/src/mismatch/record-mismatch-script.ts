/**
 * Records one mismatching pair in its group, atomically and idempotently: the job id goes into a
 * per-group sorted set first and nothing else changes when it was already there, so a job that
 * BullMQ re-runs after a crash counts once. Then: count, first/last seen (capture time), the last
 * K samples, TTLs, the index scored by when the group was last hit, and the maxGroups bound
 * (least recently hit groups are deleted with their samples).
 *
 * KEYS: 1 index, 2 group hash, 3 samples list, 4 job-id set of the group
 * ARGV: 1 jobId, 2 nowMs, 3 ttlMs, 4 seenMs, 5 sample JSON, 6 samplesPerGroup, 7 maxGroups,
 *       8 dedupe window ms, 9 dedupe max ids, 10 fingerprint, 11 route, 12 reason,
 *       13 primaryStatus, 14 shadowStatus, 15 paths JSON, 16 group key prefix, 17 samples key prefix,
 *       18 job-set key suffix, 19 rules fingerprint of the worker's rules for the route
 * A group found under other rules (its `rules` field differs) starts afresh: count, first seen and
 * samples are dropped, so findings of today's rules are never mixed with what older rules found
 * (noise declared since then). A group without the field (written before it existed) adopts it.
 * Returns 1 when counted, 0 for a job already counted.
 */
export const RECORD_MISMATCH_SCRIPT = `
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local seen = tonumber(ARGV[4])
local added = redis.call('ZADD', KEYS[4], 'NX', now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[8]))
local extra = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[9])
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, extra - 1) end
redis.call('PEXPIRE', KEYS[4], ttl)
if added == 0 then return 0 end
local rules = redis.call('HGET', KEYS[2], 'rules')
if rules and rules ~= ARGV[19] then redis.call('DEL', KEYS[2], KEYS[3]) end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[2], 'fingerprint', ARGV[10], 'route', ARGV[11], 'reason', ARGV[12],
    'primaryStatus', ARGV[13], 'shadowStatus', ARGV[14], 'paths', ARGV[15],
    'firstSeen', seen, 'lastSeen', seen, 'count', 0)
end
redis.call('HSET', KEYS[2], 'rules', ARGV[19])
redis.call('HINCRBY', KEYS[2], 'count', 1)
local first = tonumber(redis.call('HGET', KEYS[2], 'firstSeen'))
if first == nil or seen < first then redis.call('HSET', KEYS[2], 'firstSeen', seen) end
local last = tonumber(redis.call('HGET', KEYS[2], 'lastSeen'))
if last == nil or seen > last then redis.call('HSET', KEYS[2], 'lastSeen', seen) end
redis.call('PEXPIRE', KEYS[2], ttl)
local k = tonumber(ARGV[6])
if k > 0 then
  redis.call('LPUSH', KEYS[3], ARGV[5])
  redis.call('LTRIM', KEYS[3], 0, k - 1)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
redis.call('ZADD', KEYS[1], now, ARGV[10])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[7])
if over > 0 then
  local victims = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  for _, fp in ipairs(victims) do
    redis.call('DEL', ARGV[16] .. fp, ARGV[17] .. fp, ARGV[16] .. fp .. ARGV[18])
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`
