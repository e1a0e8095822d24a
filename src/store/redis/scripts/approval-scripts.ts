// The Lua scripts of the approval store (redis-approvals.ts): a record and its pending indexes share the slot
// `{approvals}`, a human's TOTP attempts and lock the slot `{totp:<human>}`.

/**
 * KEYS: approval, pending index, the agent's pending, the task's pending. ARGV: expected version, new JSON, new
 * status, id. Keeps the record's TTL.
 */
export const REPLACE_IF_VERSION_LUA = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current).version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
if ARGV[3] ~= 'pending' then
  redis.call('ZREM', KEYS[2], ARGV[4])
  redis.call('ZREM', KEYS[3], ARGV[4])
  redis.call('ZREM', KEYS[4], ARGV[4])
end
return 1
`;

/**
 * KEYS: approval, pending index, the agent's pending, the task's pending. ARGV: JSON, record ttl ms, createdAt,
 * id, expiresAt, now, per-task limit, per-agent limit (0: none). Returns {1} when created, {-1} when the id exists,
 * {0, 'task'|'agent', pending, ms until the oldest of them expires} when a limit is full.
 */
export const CREATE_WITHIN_LIMIT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end
local now = tonumber(ARGV[6])
local limits = {{KEYS[4], tonumber(ARGV[7]), 'task'}, {KEYS[3], tonumber(ARGV[8]), 'agent'}}
for _, limit in ipairs(limits) do
  redis.call('ZREMRANGEBYSCORE', limit[1], '-inf', now)
  local pending = redis.call('ZCARD', limit[1])
  if limit[2] > 0 and pending >= limit[2] then
    local oldest = redis.call('ZRANGE', limit[1], 0, 0, 'WITHSCORES')
    return {0, limit[3], pending, math.max(1, tonumber(oldest[2]) - now)}
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
for _, key in ipairs({KEYS[3], KEYS[4]}) do
  redis.call('ZADD', key, ARGV[5], ARGV[4])
  if redis.call('PTTL', key) < tonumber(ARGV[2]) then redis.call('PEXPIRE', key, ARGV[2]) end
end
return {1}
`;

/**
 * KEYS: the human's last used TOTP step. ARGV: the step, its TTL (ms). Records the step and returns 1 when it is later
 * than any used before; returns 0 for that step or an earlier one, whose code is then a replay.
 */
export const CLAIM_TOTP_STEP_LUA = `
local last = tonumber(redis.call('GET', KEYS[1]))
if last and last >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS: attempts, lock. ARGV: max failures, window ms. Returns {1, 0} when charged, {0, ms left} when refused. */
export const BEGIN_TOTP_ATTEMPT_LUA = `
local lock = redis.call('PTTL', KEYS[2])
if lock > 0 then return {0, lock} end
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 1 then left = tonumber(ARGV[2]) end
  return {0, left}
end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, 0}
`;

/**
 * KEYS: attempts, lock. ARGV: outcome (accepted|failed), max failures, window ms.
 * Returns {failures, locked, locked now, ms left}.
 */
export const END_TOTP_ATTEMPT_LUA = `
local lock = redis.call('PTTL', KEYS[2])
if lock > 0 then return {0, 1, 0, lock} end
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] == 'accepted' then
  if n > 0 then n = redis.call('DECR', KEYS[1]) end
  return {n, 0, 0, 0}
end
if n == 0 then
  n = redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if n >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {n, 1, 1, tonumber(ARGV[3])}
end
return {n, 0, 0, 0}
`;
