// The Lua scripts of the Redis lease store; each touches the keys of one environment's slot only.
//
// Times come from the caller (ARGV) as strings, never from Redis TIME, as in store-scripts.ts.

/**
 * Records a lease, then checks the token's revocation markers in the same step.
 *
 * KEYS[1] lease record, KEYS[2..6] index sets (task, jti, agent, scope, environment), KEYS[7] schedule,
 * KEYS[8] queue, KEYS[9..13] revocation markers (jti, task, agent, scope, environment).
 * ARGV[1] lease id, ARGV[2] record JSON, ARGV[3] index member, ARGV[4] vaultExpiresAt (index score),
 * ARGV[5] record ttl ms, ARGV[6] the token's issuedAtMs, ARGV[7] nowMs, ARGV[8] revokeAt ("" = none).
 * Returns 1 when the token was already revoked (the lease is queued for revocation), else 0.
 */
export const RECORD_LEASE_LUA = `
local ttl = tonumber(ARGV[5])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[5])
for k = 2, 6 do
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', '(' .. ARGV[7])
  redis.call('ZADD', KEYS[k], ARGV[4], ARGV[3])
  if redis.call('PTTL', KEYS[k]) < ttl then
    redis.call('PEXPIRE', KEYS[k], ARGV[5])
  end
end
local revoked = redis.call('EXISTS', KEYS[9]) == 1 or redis.call('EXISTS', KEYS[10]) == 1
if not revoked then
  local issuedAt = tonumber(ARGV[6])
  for k = 11, 13 do
    local at = redis.call('GET', KEYS[k])
    if at and tonumber(at) >= issuedAt then
      revoked = true
    end
  end
end
if revoked then
  redis.call('ZADD', KEYS[8], 'NX', ARGV[7], ARGV[1])
  redis.call('ZREM', KEYS[7], ARGV[1])
  return 1
end
if ARGV[8] ~= '' then
  redis.call('ZADD', KEYS[7], ARGV[8], ARGV[1])
end
return 0
`;

/**
 * Queues the leases of one index set for revocation.
 *
 * KEYS[1] index set, KEYS[2] queue, KEYS[3] schedule.
 * ARGV[1] atMs ("" = every lease in the set), ARGV[2] nowMs.
 * Members are `<issuedAtMs>:<leaseId>`; entries whose lease Vault has already ended (score < now) are pruned.
 * Returns how many leases are queued.
 */
export const ENQUEUE_LEASES_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
local atMs = tonumber(ARGV[1])
local queued = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local issued, id = string.match(member, '^(%d+):(.+)$')
  if id and (atMs == nil or tonumber(issued) <= atMs) then
    redis.call('ZADD', KEYS[2], 'NX', ARGV[2], id)
    redis.call('ZREM', KEYS[3], id)
    queued = queued + 1
  end
end
return queued
`;

/**
 * Moves due scheduled revocations into the queue, then claims due queue entries.
 *
 * KEYS[1] schedule, KEYS[2] queue, KEYS[3] attempts hash.
 * ARGV[1] nowMs, ARGV[2] the time a claimed entry is handed out again (now + visibility), ARGV[3] limit.
 * Returns {leaseId, attempts, leaseId, attempts, ...}.
 */
export const CLAIM_LEASES_LUA = `
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)) do
  redis.call('ZADD', KEYS[2], 'NX', ARGV[1], id)
  redis.call('ZREM', KEYS[1], id)
end
local claimed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))) do
  redis.call('ZADD', KEYS[2], 'XX', ARGV[2], id)
  claimed[#claimed + 1] = id
  claimed[#claimed + 1] = redis.call('HINCRBY', KEYS[3], id, 1)
end
return claimed
`;
