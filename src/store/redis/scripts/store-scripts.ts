// The Lua scripts of the Store's own records (revocations, principals, locks, tasks); each touches keys of one
// Redis Cluster slot only. Every script is registered in registry.ts.

/**
 * Writes a revocation marker without ever weakening an existing one: the stored not-before time is the max of the
 * old and new atMs, and the marker lives as long as the longer of the two ttls.
 * KEYS[1] marker; ARGV[1] atMs, ARGV[2] ttlMs.
 */
export const REVOKE_LUA = `
local at = ARGV[1]
local ttl = ARGV[2]
local current = redis.call('GET', KEYS[1])
if current then
  if tonumber(current) and tonumber(current) > tonumber(at) then at = current end
  local remaining = redis.call('PTTL', KEYS[1])
  if remaining == -1 then
    redis.call('SET', KEYS[1], at)
    return 1
  end
  if remaining > tonumber(ttl) then ttl = string.format('%d', remaining) end
end
redis.call('SET', KEYS[1], at, 'PX', ttl)
return 1
`;

/**
 * Saves a principal with its indexes (one slot: the `{principals}` tag). KEYS[1] record, KEYS[2] key-hash index,
 * KEYS[3] kind set, KEYS[4] the previous key-hash index, KEYS[5] the previous kind set (equal to KEYS[2] and KEYS[3]
 * when nothing changed). ARGV[1] record JSON, ARGV[2] id.
 * A stale index entry would be harmless (lookups check the record's keyHash), but is removed anyway.
 */
export const SAVE_PRINCIPAL_LUA = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
if KEYS[4] ~= KEYS[2] then redis.call('DEL', KEYS[4]) end
if KEYS[5] ~= KEYS[3] then redis.call('SREM', KEYS[5], ARGV[2]) end
return 1
`;

/** KEYS[1] a key; ARGV[1] a value. Deletes the key only if it still holds that value (a binding, a claim). */
export const DELETE_IF_VALUE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * Puts a lock's record in force (one slot: `{locks}`). KEYS[1] the target's record, KEYS[2] the id index (hash).
 * ARGV[1] the new Lock as JSON, ARGV[2] now (ms). A target already locked keeps its lock id and the later expiry
 * (none beats any) and gains the new environments; reason, author and time are the new ones. Returns the record.
 */
export const LOCK_LUA = `
local lock = cjson.decode(ARGV[1])
local now = tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
if current then
  local old = cjson.decode(current)
  lock.id = old.id
  if old.expiresAt == cjson.null or lock.expiresAt == cjson.null then
    lock.expiresAt = cjson.null
  elseif old.expiresAt > lock.expiresAt then
    lock.expiresAt = old.expiresAt
  end
  local seen = {}
  for _, env in ipairs(lock.environments) do seen[env] = true end
  for _, env in ipairs(old.environments) do
    if not seen[env] then table.insert(lock.environments, env) end
  end
end
local json = cjson.encode(lock)
if lock.expiresAt == cjson.null then
  redis.call('SET', KEYS[1], json)
else
  redis.call('SET', KEYS[1], json, 'PX', string.format('%d', math.max(1, lock.expiresAt - now)))
end
redis.call('HSET', KEYS[2], lock.id, KEYS[1])
return json
`;

/** KEYS[1] a lock's record, KEYS[2] the id index; ARGV[1] the lock id. Removes both if the record is that lock's. */
export const UNLOCK_LUA = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).id == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`;

/**
 * Adds a token to the live-task registry. KEYS[1] the index (task → last expiry), KEYS[2] the task's hash.
 * ARGV[1] task, ARGV[2] meta JSON (kept from the first token), ARGV[3] `jti:<jti>`, ARGV[4] token JSON,
 * ARGV[5] expiresAt, ARGV[6] ttlMs (the hash lives as long as its longest token), ARGV[7] issuedAt: index entries
 * whose tokens all expired before it are pruned. GT (a score or a ttl only ever lengthened; NX: a new hash's first
 * ttl) keeps the index's score and the hash's life at their longest token's.
 */
export const RECORD_TASK_TOKEN_LUA = `
redis.call('HSETNX', KEYS[2], 'meta', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[1], 'GT', ARGV[5], ARGV[1])
if redis.call('PEXPIRE', KEYS[2], ARGV[6], 'NX') == 0 then redis.call('PEXPIRE', KEYS[2], ARGV[6], 'GT') end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[7])
return 1
`;
