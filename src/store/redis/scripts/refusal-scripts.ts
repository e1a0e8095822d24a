// The Lua scripts of the refusal tallies (redis-refusals.ts); every key they touch is in the slot `{refusals}`.

/**
 * KEYS: tally, closing index, overflow tally. ARGV: now, window ms, max open, tally id, sample JSON, overflow id,
 * overflow sample JSON, abandoned ms. Returns the count in the tally it counted in.
 */
export const COUNT_REFUSAL_LUA = `
local key, id, sample = KEYS[1], ARGV[4], ARGV[5]
if redis.call('EXISTS', key) == 0 and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  key, id, sample = KEYS[3], ARGV[6], ARGV[7]
end
local n = redis.call('HINCRBY', key, 'count', 1)
if n == 1 then
  redis.call('HSET', key, 'first', ARGV[1], 'sample', sample)
  redis.call('PEXPIRE', key, ARGV[8])
  redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
end
redis.call('HSET', key, 'last', ARGV[1])
return n
`;

/** KEYS: tally, closing index. ARGV: tally id. Returns the tally's fields when this caller took it, else {}. */
export const TAKE_REFUSAL_TALLY_LUA = `
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return {} end
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return fields
`;
