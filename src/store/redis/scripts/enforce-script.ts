// The enforce step as one Lua script for a batch of decisions of one environment (src/store/redis/batcher.ts).
import { OldestFirstMap } from "../../../memo/oldest-first-map.ts";
import { wholeMs } from "../../records.ts";
import type { EnforcementCheck } from "../../store.ts";
import { enforcementKeys, storeKeys } from "../keys.ts";
import { AUDIT_LUA_FUNCTIONS, auditRecordPayload } from "./audit-scripts.ts";

/**
 * Generation, revocation, deny reason, sliding windows, hold reason, counting — in that order, for each decision in
 * turn, as if each were its own call.
 *
 * KEYS[1] the environment's generation key, KEYS[2..] every other key the batch's decisions touch, each once; all
 * carry the environment's `{env:E}` tag (src/store/redis/keys.ts), so the script touches one Redis Cluster slot.
 * A decision names its keys by their index in KEYS.
 * ARGV[i]: one decision, as JSON (cjson decodes it in C: one argument per decision instead of dozens keeps both
 * ioredis and Redis cheap):
 *   gen      the generation the token was minted under
 *   marks    [jti, task, agent, scope, environment revocation markers, agent, scope, environment lock markers]
 *   anc      absent, or markers that refuse a delegated token whenever they exist: its ancestors' jti revocations and
 *            the locks of the other agents in its act chain
 *   actm     absent, or the revocation markers (not-before) of the other agents in its act chain
 *   iat      issued-at, ms; now: the caller's clock, ms; ttl: how long a revoke_task marker lives, ms (strings)
 *   deny     a reason decided without I/O, or ""; hold: a reason to hold after the budget check, or ""
 *   ev       the event's id in the sliding windows
 *   limits   [[key, max, windowMs, onExceed, name], …]
 *   audit    absent, or the decision's audit record (see leash_audit_append_record in audit-scripts.ts)
 * Returns four values per decision: allow 0|1, reason, index of the exceeded limit (1-based, 0 = none), taskRevoked.
 *
 * Times come from the caller, never from Redis TIME, so a test's clock drives them; but a decision that touches
 * counters is timed at the later of the caller's `now` and the latest event in those counters, and its audit record
 * carries that time. Decisions batched by several brokers run in any order; this way each counter still sees its
 * events in time order, and the window is exact in the times the audit log shows. Numbers travel as strings so
 * Lua's 14-digit number formatting never rounds them.
 */
export const ENFORCE_BATCH_LUA = `${AUDIT_LUA_FUNCTIONS}
local generation = redis.call('GET', KEYS[1])

local function decide(d)
  if (not generation) or generation ~= d.gen then return 0, 'stale_generation', 0, 0 end
  local marks = d.marks
  if redis.call('EXISTS', marks[1], marks[2], marks[6], marks[7], marks[8]) > 0 then return 0, 'revoked', 0, 0 end
  local issuedAt = tonumber(d.iat)
  local notBefore = redis.call('MGET', marks[3], marks[4], marks[5])
  for k = 1, 3 do
    local at = notBefore[k]
    if at and tonumber(at) >= issuedAt then return 0, 'revoked', 0, 0 end
  end
  if d.anc and redis.call('EXISTS', unpack(d.anc)) > 0 then return 0, 'revoked', 0, 0 end
  if d.actm then
    local actors = redis.call('MGET', unpack(d.actm))
    for k = 1, #d.actm do
      local at = actors[k]
      if at and tonumber(at) >= issuedAt then return 0, 'revoked', 0, 0 end
    end
  end
  if d.deny ~= '' then return 0, d.deny, 0, 0 end

  local limits = d.limits
  if #limits == 0 then
    if d.hold ~= '' then return 0, d.hold, 0, 0, true end
    return 1, 'ok', 0, 0
  end
  -- One clock per counter: the decision is timed no earlier than the latest event of any counter it touches, so
  -- each counter's events are added in time order and a window is never trimmed past what a later-running
  -- decision with an earlier clock would still count.
  -- A counter with no event yet (a new task's, usually) counts nothing and has nothing to trim: neither is asked.
  local now = tonumber(d.now)
  local empty = {}
  for i = 1, #limits do
    local latest = redis.call('ZRANGE', limits[i][1], -1, -1, 'WITHSCORES')[2]
    if not latest then
      empty[i] = true
    elseif tonumber(latest) > now then
      now = tonumber(latest)
    end
  end
  local at = string.format('%d', now)
  d.at = at
  local exceeded, revoking = 0, 0
  for i = 1, #limits do
    local limit = limits[i]
    local count = 0
    if not empty[i] then
      count = redis.call('ZCOUNT', limit[1], string.format('%d', now - tonumber(limit[3])), '+inf')
    end
    if count >= limit[2] then
      if exceeded == 0 then exceeded = i end
      if revoking == 0 and limit[4] == 'revoke_task' then revoking = i end
    end
  end
  if revoking > 0 then
    redis.call('SET', marks[2], at, 'PX', d.ttl)
    return 0, 'rate_limited', revoking, 1
  end
  if exceeded > 0 then return 0, 'rate_limited', exceeded, 0 end
  if d.hold ~= '' then return 0, d.hold, 0, 0, true end

  for i = 1, #limits do
    local limit = limits[i]
    redis.call('ZADD', limit[1], at, d.ev)
    -- Only an allowed call trims, up to its own window: every later decision is timed at or after it.
    if not empty[i] then
      redis.call('ZREMRANGEBYSCORE', limit[1], '-inf', '(' .. string.format('%d', now - tonumber(limit[3])))
    end
    redis.call('PEXPIRE', limit[1], limit[3])
  end
  return 1, 'ok', 0, 0
end

-- A decision's keys, from their indexes in KEYS.
local function keysAt(indexes)
  if indexes then
    for k = 1, #indexes do indexes[k] = KEYS[indexes[k]] end
  end
end

local out = {}
local function decideAll()
  for i = 1, #ARGV do
    local d = cjson.decode(ARGV[i])
    keysAt(d.marks)
    keysAt(d.anc)
    keysAt(d.actm)
    for k = 1, #d.limits do d.limits[k][1] = KEYS[d.limits[k][1]] end
    if d.audit then d.audit.stream, d.audit.head = KEYS[d.audit.stream], KEYS[d.audit.head] end
    local allow, reason, exceeded, revoked, held = decide(d)
    local audit = d.audit
    if audit and not (held and audit.skipWhenHeld) then
      local limit = ''
      if exceeded > 0 then limit = d.limits[exceeded][5] end
      -- The record carries the time the windows were decided at.
      leash_audit_append_record(audit, d.at or d.now, allow == 1 and 'allow' or 'deny', reason, limit)
    end
    local n = #out
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = allow, reason, exceeded, revoked
  end
end
-- A command that fails part way (a key of the wrong type, no memory left) fails the whole batch, but the records
-- already appended stay: their chain's head must name the last of them before the error goes back. The error goes
-- back as Redis's own reply (error() would make READONLY "ERR user_script:1: READONLY", and a Sentinel client
-- still on a demoted primary reconnects on a reply that starts with READONLY).
local ok, failure = pcall(decideAll)
leash_audit_write_heads()
if not ok then return redis.error_reply(type(failure) == 'table' and failure.err or tostring(failure)) end
return out
`;

/** One decision's answer: allow 0|1, reason, exceeded limit (1-based, 0 = none), taskRevoked 0|1. */
export type EnforcementReply = [number, string, number, number];

/**
 * The script's arguments for a batch of decisions of one environment: the number of keys, the keys (the
 * environment's generation key first), then one JSON argument per decision.
 */
export function enforcementBatchArgs(env: string, checks: EnforcementCheck[]): string[] {
  const keys = new BatchKeys(storeKeys.envGeneration(env));
  const decisions = checks.map((check) => enforcementArgument(check, keys));
  return [String(keys.names.length), ...keys.names, ...decisions];
}

/** The keys of a batch, each once, with its index in KEYS (1-based, as Lua counts). */
class BatchKeys {
  readonly names: string[] = [];
  private readonly indexes = new Map<string, number>();

  constructor(first: string) {
    this.indexOf(first);
  }

  indexOf(key: string): number {
    let index = this.indexes.get(key);
    if (index === undefined) {
      index = this.names.push(key);
      this.indexes.set(key, index);
    }
    return index;
  }
}

/** Tokens whose marker keys are kept; past it the oldest entry leaves first. */
const MARKER_KEYS_KEPT = 10_000;
const markerKeysByJti = new OldestFirstMap<
  string,
  { env: string; task: string; agent: string; scope: string; keys: string[] }
>(MARKER_KEYS_KEPT);

/**
 * A token's eight revocation and lock marker keys (enforcementKeys without the generation), kept for the tokens seen
 * last: a task's calls reuse its token, and building and hashing eight key names is most of a decision's argument.
 */
export function markerKeys(check: EnforcementCheck): string[] {
  const kept = markerKeysByJti.get(check.jti);
  if (
    kept &&
    kept.env === check.env &&
    kept.task === check.task &&
    kept.agent === check.agent &&
    kept.scope === check.scope
  ) {
    return kept.keys;
  }
  const [, ...keys] = enforcementKeys(check.env, check);
  const { env, task, agent, scope } = check;
  markerKeysByJti.set(check.jti, { env, task, agent, scope, keys });
  return keys;
}

/** One decision as the script's JSON argument, its keys as indexes in `keys`. */
function enforcementArgument(check: EnforcementCheck, keys: BatchKeys): string {
  const marks = markerKeys(check);
  const audit = check.audit ? auditRecordPayload(check.audit) : undefined;
  return JSON.stringify({
    gen: check.generation,
    marks: marks.map((key) => keys.indexOf(key)),
    iat: String(check.issuedAtMs),
    now: String(check.nowMs),
    ttl: String(wholeMs(check.taskRevocationTtlMs)),
    deny: check.denyReason ?? "",
    hold: check.holdReason ?? "",
    ev: check.eventId,
    limits: check.limits.map((counter) => [
      keys.indexOf(storeKeys.limit(check.env, counter.key)),
      counter.max,
      String(wholeMs(counter.windowMs)),
      counter.onExceed,
      counter.key,
    ]),
    audit: audit && { ...audit, stream: keys.indexOf(audit.stream), head: keys.indexOf(audit.head) },
    ...(check.lineage ? lineageMarkers(check.env, check.lineage, keys) : {}),
  });
}

/**
 * A delegated token's lineage markers: `absolute`, any of which refuses it whenever it exists (its ancestors' jti
 * revocations, the locks of the other agents in its act chain); `actors`, those agents' revocations (not-before).
 */
export function lineageMarkerKeys(
  env: string,
  lineage: { jtis: string[]; agents: string[] },
): { absolute: string[]; actors: string[] } {
  return {
    absolute: [
      ...lineage.jtis.map((jti) => storeKeys.revocation(env, { kind: "jti", value: jti })),
      ...lineage.agents.map((agent) => storeKeys.envLock(env, { kind: "agent", value: agent })),
    ],
    actors: lineage.agents.map((agent) => storeKeys.revocation(env, { kind: "agent", value: agent })),
  };
}

/** Markers of a delegated token's lineage; a token minted by POST /v1/tokens carries none and pays nothing here. */
function lineageMarkers(env: string, lineage: { jtis: string[]; agents: string[] }, keys: BatchKeys) {
  const { absolute, actors } = lineageMarkerKeys(env, lineage);
  return {
    ...(absolute.length > 0 ? { anc: absolute.map((key) => keys.indexOf(key)) } : {}),
    ...(actors.length > 0 ? { actm: actors.map((key) => keys.indexOf(key)) } : {}),
  };
}

/** The script's flat reply, four values per decision, as one reply per decision. */
export function splitReplies(flat: Array<number | string>): EnforcementReply[] {
  const replies: EnforcementReply[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    replies.push([Number(flat[i]), String(flat[i + 1]), Number(flat[i + 2]), Number(flat[i + 3])]);
  }
  return replies;
}
