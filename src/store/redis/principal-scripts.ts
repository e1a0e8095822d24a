// The Lua script behind Store.findPrincipalByKeyHash: the key-hash index and the record it points to, read in one step.

/**
 * KEYS[1] the key-hash index (`leash:{principals}:keyhash:<sha256>`); ARGV[1] the prefix of principal records
 * (`leash:{principals}:principal:`). The record's key is known only once the index is read; it shares the
 * `{principals}` hash tag with KEYS[1], so the script still touches one Redis Cluster slot.
 * Returns the principal's JSON, or false when the index or the record is missing.
 */
export const PRINCIPAL_OF_KEY_HASH_LUA = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)
`;
