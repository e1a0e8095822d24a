// The audit log's Lua: the append step (shared by the standalone append script and the enforce script, which
// appends in the same call as it decides) and the sealer's compare-and-set.
//
// Appending does no hashing: it numbers the record and writes it. Chaining happens later, in Node, when a sealer
// hashes a run of records and writes a seal (src/audit/seal-chain.ts). The append's cost is a few Redis commands.

import { AUDIT_SEAL_FIELDS, type AuditDraft } from "../../audit.ts";
import {
  AUDIT_FORMAT_VERSION,
  AUDIT_RECORD_FIELD,
  type AuditEntry,
  auditRecordToSeq,
  auditValueToSeqOf,
  chainOf,
  GENESIS_HASH,
  wellFormed,
} from "../../audit-record.ts";
import { auditKeys } from "../keys.ts";

// Every record is one stream field holding its canonical JSON array (auditRecordValue). Node writes all of it but
// seq; the enforce script also writes time, decision, reason and limit, which it decides. The script only ever
// concatenates: no JSON is decoded or encoded for a record, and its decided values (reason codes, limit names) are
// escaped as JSON.stringify escapes them (quote, backslash, C0 controls): for a reason code, one string search.
const VALUE_START = `["${AUDIT_FORMAT_VERSION}","`;

/**
 * `leash_audit_append(stream, head, nowMs, valueToSeq)`: appends one record to the chain and returns its stream id
 * and seq. `valueToSeq` is the record's value up to seq's (auditValueToSeq), the script adds seq and the end.
 *
 * `leash_audit_append_decided(stream, head, nowMs, time, body, decision, reason, limit)`: the same for a record
 * whose decided fields the script fills in: `body` is its caller-known fields after time (auditRecordBody), `time`
 * is `nowMs` (the time the decision was taken at) as stored, or nil for the script to write it. For a script that
 * appends many records (a batch of decisions): each chain's head is read before its first record and written by
 * `leash_audit_write_heads()`, which the script calls once after its last append, and also when it fails part way
 * (so that the head still names the last record appended): two commands fewer per record than reading and writing
 * the head around each one.
 *
 * seq comes from the head (`seq`, the last record's number). The stream id is `<ms>-*` with ms the caller's
 * time, raised to the last record's ms (the head's `id`) when a broker's clock is behind, so ids never go back.
 * Only a chain without a head (new, or its head deleted) looks at the stream's last entry.
 */
export const AUDIT_LUA_FUNCTIONS = String.raw`
local function leash_audit_add(stream, head, nowMs, valueToSeq)
  -- The last record's seq and ms, as numbers: worked out from the head as read before the first append, then kept.
  local lastSeq = head.lastSeq
  if not lastSeq then
    lastSeq = tonumber(head.seq) or 0
    local lastId = head.id
    if not lastId then
      local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
      if top[1] then lastId = top[1][1] end
    end
    head.lastMs = lastId and tonumber(string.match(lastId, '^(%d+)')) or 0
  end
  local ms = tonumber(nowMs)
  if head.lastMs > ms then ms = head.lastMs end
  local seq = string.format('%d', lastSeq + 1)
  local id = redis.call('XADD', stream, string.format('%d', ms) .. '-*', '${AUDIT_RECORD_FIELD}', valueToSeq .. seq .. '"]')
  head.seq, head.id, head.lastSeq, head.lastMs = seq, id, lastSeq + 1, ms
  return id, seq
end

local function leash_audit_append(stream, head, nowMs, valueToSeq)
  local last = redis.call('HMGET', head, 'seq', 'id')
  local id, seq = leash_audit_add(stream, { seq = last[1], id = last[2] }, nowMs, valueToSeq)
  redis.call('HSET', head, 'seq', seq, 'id', id)
  return id, seq
end

-- The heads this script run appends to: each read once, before its first append, and written once, by
-- leash_audit_write_heads after the last (which the script must call, error or not).
local leash_audit_heads = {}
local leash_audit_heads_read = {}

local function leash_audit_write_heads()
  for i = 1, #leash_audit_heads_read do
    local head = leash_audit_heads_read[i]
    if head.appended then redis.call('HSET', head.key, 'seq', head.seq, 'id', head.id) end
  end
end

local leash_json_escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n',
  ['\r'] = '\\r', ['\t'] = '\\t' }
local function leash_json_text(text)
  if not string.find(text, '[%z\1-\31"\\]') then return text end
  return (string.gsub(text, '[%z\1-\31"\\]', function(c)
    return leash_json_escapes[c] or string.format('\\u%04x', string.byte(c))
  end))
end

-- ms since the epoch as Date.prototype.toISOString writes it (years 0..9999), by the civil-from-days algorithm.
local function leash_iso_time(msText)
  local ms = tonumber(msText)
  local seconds = math.floor(ms / 1000)
  local days = math.floor(seconds / 86400)
  local ofDay = seconds - days * 86400
  local z = days + 719468
  local era = math.floor(z / 146097)
  local ofEra = z - era * 146097
  local yearOfEra = math.floor((ofEra - math.floor(ofEra / 1460) + math.floor(ofEra / 36524)
    - math.floor(ofEra / 146096)) / 365)
  local ofYear = ofEra - (365 * yearOfEra + math.floor(yearOfEra / 4) - math.floor(yearOfEra / 100))
  local mp = math.floor((5 * ofYear + 2) / 153)
  local day = ofYear - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yearOfEra + era * 400
  if month <= 2 then year = year + 1 end
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day, math.floor(ofDay / 3600),
    math.floor(ofDay / 60) % 60, ofDay % 60, ms - seconds * 1000)
end

-- A decided record's text between detail and seq, for each decision, reason and limit met in this script run.
local leash_audit_decided_texts = {}
local function leash_audit_decided_text(decision, reason, limit)
  local byReason = leash_audit_decided_texts[decision]
  if not byReason then
    byReason = {}
    leash_audit_decided_texts[decision] = byReason
  end
  local byLimit = byReason[reason]
  if not byLimit then
    byLimit = {}
    byReason[reason] = byLimit
  end
  local text = byLimit[limit]
  if not text then
    text = ',"' .. leash_json_text(decision) .. '","' .. leash_json_text(reason) .. '","' .. leash_json_text(limit) .. '","'
    byLimit[limit] = text
  end
  return text
end

local function leash_audit_append_decided(stream, headKey, nowMs, time, body, decision, reason, limit)
  local head = leash_audit_heads[headKey]
  if not head then
    local last = redis.call('HMGET', headKey, 'seq', 'id')
    head = { key = headKey, seq = last[1], id = last[2] }
    leash_audit_heads[headKey] = head
    leash_audit_heads_read[#leash_audit_heads_read + 1] = head
  end
  local id, seq = leash_audit_add(stream, head, nowMs, '${VALUE_START}' .. (time or leash_iso_time(nowMs)) .. body
    .. leash_audit_decided_text(decision, reason, limit))
  head.appended = true
  return id, seq
end
`;

/**
 * One record on its own (mint, approval, revocation, principal and key events).
 * KEYS[1] stream, KEYS[2] head. ARGV[1] nowMs, ARGV[2] the record's value up to seq's. Returns {id, seq}.
 */
export const AUDIT_APPEND_LUA = `${AUDIT_LUA_FUNCTIONS}
local id, seq = leash_audit_append(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
return {id, seq}
`;

/**
 * Records appended one after the other to one chain (appends that waited while the chain's previous batch was in
 * Redis). KEYS[1] stream, KEYS[2] head. ARGV: nowMs and the value up to seq's (as AUDIT_APPEND_LUA's) for each
 * record, in order. Returns {id, seq} of each, flat. The head is read once and written once, also when an append
 * fails part way (then the script fails, so every record of the call is reported unwritten). The failure goes back as
 * Redis's own reply, as the enforce script's: error() would make READONLY "ERR user_script:1: READONLY", and a
 * Sentinel client still on a demoted primary reconnects only on a reply that starts with READONLY.
 */
export const AUDIT_APPEND_BATCH_LUA = `${AUDIT_LUA_FUNCTIONS}
local last = redis.call('HMGET', KEYS[2], 'seq', 'id')
local head = { seq = last[1], id = last[2] }
local appended = {}
local ok, failure = pcall(function()
  for i = 1, #ARGV, 2 do
    local id, seq = leash_audit_add(KEYS[1], head, ARGV[i], ARGV[i + 1])
    appended[#appended + 1] = id
    appended[#appended + 1] = seq
  end
end)
if #appended > 0 then redis.call('HSET', KEYS[2], 'seq', head.seq, 'id', head.id) end
if not ok then return redis.error_reply(type(failure) == 'table' and failure.err or tostring(failure)) end
return appended
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

/** A record's value up to seq's: every field the caller knows, its decided ones included, then `,"`. */
export const auditValueToSeq = (draft: AuditDraft): string =>
  auditValueToSeqOf(auditRecordToSeq(draft.entry));

/**
 * A record's caller-known fields after time, as they go into its value (from the quote that ends time to detail's
 * end): what a script that decides the record's time and decided fields (the batched enforce script) appends.
 */
export function auditRecordBody(e: AuditEntry): string {
  // The fields after v and time (the script writes those itself) in AUDIT_ENTRY_FIELDS order, written out: every
  // authorize makes one, and going through entryFields' pairs cost it about 2 µs more.
  const known = JSON.stringify([
    stored(e.event),
    stored(e.actor),
    stored(e.agent),
    stored(e.environment),
    stored(e.task),
    stored(e.intent),
    stored(e.scope),
    stored(e.action),
    stored(e.resource),
    stored(e.jti),
    stored(e.approval),
    stored(e.request_id),
    stored(e.detail),
  ]);
  return `",${known.slice(1, -1)}`;
}

const stored = (value: string | undefined): string => (value === undefined ? "" : wellFormed(value));

/** The stream and head keys of the chain an entry belongs to. */
export const auditChainKeys = (draft: AuditDraft): [string, string] => {
  const chain = chainOf(draft.entry.environment);
  return [auditKeys.stream(chain), auditKeys.head(chain)];
};
