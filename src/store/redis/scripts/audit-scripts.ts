// The audit log's Lua: the append step (shared by the standalone append script and the enforce script, which
// appends in the same call as it decides) and the sealer's compare-and-set.
//
// Appending does no hashing: it numbers the record and writes it. Chaining happens later, in Node, when a sealer
// hashes a run of records and writes a seal (src/audit/seal-chain.ts). The append's cost is a few Redis commands.

import { AUDIT_SEAL_FIELDS, type AuditDraft } from "../../audit.ts";
import { AUDIT_ENTRY_FIELDS, chainOf, entryFields, GENESIS_HASH } from "../../audit-record.ts";
import { auditKeys } from "../keys.ts";

// `'v', ARGV[a], 'time', ARGV[a + 1], …` (or `values[1]`, … for a record passed as a table): the field names are
// written into the script, so the caller passes only the values (fifteen of them), and the XADD needs no table.
const entryFieldArgs = (value: (i: number) => string) =>
  AUDIT_ENTRY_FIELDS.map((name, i) => `'${name}', ${value(i)}`).join(", ");

const appendFunction = (name: string, params: string, value: (i: number) => string) => `
local function ${name}(stream, head, nowMs, decision, reason, limit, ${params})
  local last = redis.call('HMGET', head, 'seq', 'id')
  local seq = string.format('%d', (tonumber(last[1]) or 0) + 1)
  local lastId = last[2]
  if not lastId then
    local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
    if top[1] then lastId = top[1][1] end
  end
  local ms = tonumber(nowMs)
  if lastId then
    local lastMs = tonumber(string.match(lastId, '^(%d+)'))
    if lastMs and lastMs > ms then ms = lastMs end
  end
  local id = redis.call('XADD', stream, string.format('%d', ms) .. '-*', ${entryFieldArgs(value)},
    'decision', decision, 'reason', reason, 'limit', limit, 'seq', seq)
  redis.call('HSET', head, 'seq', seq, 'id', id)
  return id, seq
end
`;

/**
 * `leash_audit_append(stream, head, nowMs, decision, reason, limit, a)`: appends one record to the chain and
 * returns its stream id and seq. ARGV[a..a+14] are the caller-known field values in canonical order
 * (AUDIT_ENTRY_FIELDS); decision/reason/limit are the decided fields.
 *
 * `leash_audit_append_record(record, nowMs, decision, reason, limit)`: the same for a record passed as a table
 * (decoded from JSON: `{stream, head, values}`, see auditRecordPayload in redis-audit.ts).
 *
 * seq comes from the head (`seq`, the last record's number). The stream id is `<ms>-*` with ms the caller's
 * time, raised to the last record's ms (the head's `id`) when a broker's clock is behind, so ids never go back.
 * Only a chain without a head (new, or its head deleted) looks at the stream's last entry.
 */
export const AUDIT_LUA_FUNCTIONS = `${appendFunction("leash_audit_append", "a", (i) => `ARGV[a${i === 0 ? "" : ` + ${i}`}]`)}${appendFunction("leash_audit_write_values", "values", (i) => `values[${i + 1}]`)}
local function leash_audit_append_record(record, nowMs, decision, reason, limit)
  return leash_audit_write_values(record.stream, record.head, nowMs, decision, reason, limit, record.values)
end
`;

/**
 * One record on its own (mint, approval, revocation, principal and key events).
 * KEYS[1] stream, KEYS[2] head. ARGV[1] nowMs, ARGV[2] decision, ARGV[3] reason, ARGV[4] limit, ARGV[5..19] the
 * caller-known field values. Returns {id, seq}.
 */
export const AUDIT_APPEND_LUA = `${AUDIT_LUA_FUNCTIONS}
local id, seq = leash_audit_append(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 5)
return {id, seq}
`;

/**
 * A sealer's compare-and-set. KEYS[1] head, KEYS[2] seal stream. ARGV[1] the sealed seq and ARGV[2] the sealed
 * hash the sealer read (0 and GENESIS_HASH before the first seal), ARGV[3..] the seal's values in AUDIT_SEAL_FIELDS
 * order. Writes the seal under the id of its last record and moves the head's sealed position, only if the head
 * still says what the sealer read. Returns 1 when written, 0 when another sealer got there first.
 */
export const AUDIT_SEAL_LUA = `
local sealed = redis.call('HMGET', KEYS[1], 'sealed_seq', 'sealed_hash')
local seq = sealed[1] or '0'
local hash = sealed[2] or '${GENESIS_HASH}'
if seq ~= ARGV[1] or hash ~= ARGV[2] then return 0 end
redis.call('XADD', KEYS[2], ARGV[6], ${AUDIT_SEAL_FIELDS.map((name, i) => `'${name}', ARGV[${i + 3}]`).join(", ")})
redis.call('HSET', KEYS[1], 'sealed_seq', ARGV[4], 'sealed_id', ARGV[6], 'sealed_hash', ARGV[9])
return 1
`;

/** Claims or renews a sealing claim. KEYS[1] the claim. ARGV[1] owner, ARGV[2] ttl ms. Returns 1 if `owner` holds it. */
export const AUDIT_CLAIM_SEALING_LUA = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** The script arguments that carry an entry's caller-known fields: their values, in canonical order. */
export function auditAppendArgs(draft: AuditDraft): string[] {
  return entryFields(draft.entry).map(([, value]) => value);
}

/**
 * A record as one JSON-able value, for scripts that take a decision per argument as JSON (the batched enforce
 * script): its chain's keys, whether to skip it when the call is held, and its field values (canonical order).
 */
export function auditRecordPayload(draft: AuditDraft & { skipWhenHeld?: boolean }): {
  stream: string;
  head: string;
  skipWhenHeld: boolean;
  values: string[];
} {
  const [stream, head] = auditChainKeys(draft);
  return { stream, head, skipWhenHeld: draft.skipWhenHeld ?? false, values: auditAppendArgs(draft) };
}

/** The stream and head keys of the chain an entry belongs to. */
export const auditChainKeys = (draft: AuditDraft): [string, string] => {
  const chain = chainOf(draft.entry.environment);
  return [auditKeys.stream(chain), auditKeys.head(chain)];
};
