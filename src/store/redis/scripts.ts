// The Lua scripts of the Redis store; each touches keys of one Redis Cluster slot only.
import { AUDIT_LUA_FUNCTIONS } from "./audit-scripts.ts";

/**
 * The enforce step: generation, revocation, deny reason, sliding windows, hold reason, counting — in that order.
 *
 * KEYS[1] env generation, KEYS[2] jti marker, KEYS[3] task marker, KEYS[4] agent marker, KEYS[5] scope marker,
 * KEYS[6] environment marker, KEYS[7..] one sorted set per blast-radius counter.
 * ARGV[1] generation, ARGV[2] issuedAtMs, ARGV[3] nowMs, ARGV[4] denyReason ("" = none), ARGV[5] holdReason
 * ("" = none), ARGV[6] taskRevocationTtlMs, ARGV[7] eventId, then four per counter: max, windowMs, the exclusive
 * lower bound of the window as "(<nowMs - windowMs>", onExceed.
 * Returns {allow 0|1, reason, index of the exceeded counter (1-based, 0 = none), taskRevoked 0|1}.
 *
 * With an audit record (src/store/audit.ts), the last two KEYS are the chain's stream and head, and after the
 * counters' ARGV come 'audit', skipWhenHeld ("1"|"0"), then the fifteen caller-known field values that
 * leash_audit_append (audit-scripts.ts) takes: the decision is recorded in the same call, before the script
 * returns, without hashing (a sealer chains it later). ('audit' cannot be mistaken for a counter's first argument,
 * which is a number.)
 *
 * Times come from the caller (ARGV), never from Redis TIME, so every broker and every test agrees on "now";
 * numbers are passed and written as strings so Lua's 14-digit number formatting never rounds them.
 */
export const ENFORCE_LUA = `${AUDIT_LUA_FUNCTIONS}
local counters = #KEYS - 6
local audit = 0
if counters >= 2 and ARGV[8 + 4 * (counters - 2)] == 'audit' then
  counters = counters - 2
  audit = 8 + 4 * counters
end
local function done(allow, reason, exceeded, revoked, held)
  if audit > 0 and not (held and ARGV[audit + 1] == '1') then
    local limit = ''
    if exceeded > 0 then
      local key = KEYS[6 + exceeded]
      limit = string.sub(key, (string.find(key, '}:limit:', 1, true) or 0) + 8)
    end
    leash_audit_append(KEYS[#KEYS - 1], KEYS[#KEYS], ARGV[3], allow == 1 and 'allow' or 'deny', reason, limit, audit + 2)
  end
  return {allow, reason, exceeded, revoked}
end

local generation = redis.call('GET', KEYS[1])
if (not generation) or generation ~= ARGV[1] then
  return done(0, 'stale_generation', 0, 0)
end

if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then
  return done(0, 'revoked', 0, 0)
end
local issuedAt = tonumber(ARGV[2])
for k = 4, 6 do
  local at = redis.call('GET', KEYS[k])
  if at and tonumber(at) >= issuedAt then
    return done(0, 'revoked', 0, 0)
  end
end

if ARGV[4] ~= '' then
  return done(0, ARGV[4], 0, 0)
end

local exceeded = 0
local revoking = 0
for i = 1, counters do
  local a = 8 + (i - 1) * 4
  local key = KEYS[6 + i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[a + 2])
  if redis.call('ZCARD', key) >= tonumber(ARGV[a]) then
    if exceeded == 0 then exceeded = i end
    if revoking == 0 and ARGV[a + 3] == 'revoke_task' then revoking = i end
  end
end
if revoking > 0 then
  redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[6])
  return done(0, 'rate_limited', revoking, 1)
end
if exceeded > 0 then
  return done(0, 'rate_limited', exceeded, 0)
end

if ARGV[5] ~= '' then
  return done(0, ARGV[5], 0, 0, true)
end

for i = 1, counters do
  local a = 8 + (i - 1) * 4
  redis.call('ZADD', KEYS[6 + i], ARGV[3], ARGV[7])
  redis.call('PEXPIRE', KEYS[6 + i], ARGV[a + 1])
end
return done(1, 'ok', 0, 0)
`;

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
