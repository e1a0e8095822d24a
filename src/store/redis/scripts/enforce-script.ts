// The enforce step as one Lua script for a batch of decisions of one environment (src/store/redis/batcher.ts).
import { OldestFirstMap } from "../../../memo/oldest-first-map.ts";
import type { EnforcementAuditDraft } from "../../audit.ts";
import { auditTime } from "../../audit-record.ts";
import { wholeMs } from "../../records.ts";
import type { EnforcementCheck, LimitCounter } from "../../store.ts";
import { enforcementKeys, storeKeys } from "../keys.ts";
import { AUDIT_LUA_FUNCTIONS, auditChainKeys, auditRecordBody } from "./audit-scripts.ts";

/**
 * Generation, revocation, deny reason, sliding windows, hold reason, counting — in that order, for each decision in
 * turn, as if each were its own call.
 *
 * KEYS[1] the environment's generation key, KEYS[2..] every other key the batch's decisions touch, each once; all
 * carry the environment's `{env:E}` tag (src/store/redis/keys.ts), so the script touches one Redis Cluster slot.
 * A profile names its keys by their index in KEYS.
 *
 * ARGV[1] the number of profiles P, ARGV[2..P+1] the profiles, then five arguments per decision. A profile is what
 * a decision shares with the other calls of its token and action, as JSON (cjson decodes it in C, once per batch
 * however many of the batch's decisions share it):
 *   gen      the generation the token was minted under
 *   marks    [jti, task, agent, scope, environment revocation markers, agent, scope, environment lock markers]
 *   anc      absent, or markers that refuse a delegated token whenever they exist: its ancestors' jti revocations and
 *            the locks of the other agents in its act chain
 *   actm     absent, or the revocation markers (not-before) of the other agents in its act chain
 *   iat      issued-at, ms; ttl: how long a revoke_task marker lives, ms (strings)
 *   deny     a reason decided without I/O, or ""; hold: a reason to hold after the budget check, or ""
 *   limits   [[key, max, windowMs, onExceed, name], …]
 *   as, ah   absent, or the audit chain's stream and head (the decision is recorded); skip: no record when held
 * A decision's arguments: its profile (1-based), now (the caller's clock, ms), its event id in the sliding windows,
 * then, when recorded, `now` as the record stores a time and the record's caller-known fields after time
 * (auditRecordBody; both "" when not recorded). They are plain arguments, not JSON: nothing to decode or escape.
 * Returns four values per decision: allow 0|1, reason, index of the exceeded limit (1-based, 0 = none), taskRevoked.
 *
 * Times come from the caller, never from Redis TIME, so a test's clock drives them; but a decision that touches
 * counters is timed at the later of the caller's `now` and the latest event in those counters, and its audit record
 * carries that time. Decisions batched by several brokers run in any order; this way each counter still sees its
 * events in time order, and the window is exact in the times the audit log shows. Numbers travel as strings so
 * Lua's 14-digit number formatting never rounds them.
 *
 * What a decision reads that only this script could have changed since is read once per batch: each marker (however
 * many of the batch's tokens share it; all are read again after the script writes one, a revoke_task marker), a
 * counter's latest event and its events since a window's start (the script counts the events it adds itself). A
 * counter's events are added, trimmed and given their expiry once per batch, after the last decision, with one ZADD
 * for all the batch's events: each decision counts exactly the events it would have counted had each been added at
 * once (event ids are unique), and a trim up to the last allowed decision's window removes what trimming after each
 * would have (a decision counts only the events in its own window; older ones are only memory).
 */
export const ENFORCE_BATCH_LUA = `${AUDIT_LUA_FUNCTIONS}
local generation = redis.call('GET', KEYS[1])
local format, tonumber = string.format, tonumber
local profileCount = tonumber(ARGV[1])
-- Decoded profiles by their index as the decisions' arguments write it.
local profiles = {}
-- Bumped whenever the script writes a marker: a profile's markers are read again after it.
local markerWrites = 0

local function keysAt(indexes)
  if indexes then
    for k = 1, #indexes do indexes[k] = KEYS[indexes[k]] end
  end
end

local function profileAt(indexText)
  local p = profiles[indexText]
  if not p then
    p = cjson.decode(ARGV[tonumber(indexText) + 1])
    keysAt(p.marks)
    keysAt(p.anc)
    keysAt(p.actm)
    p.iatMs = tonumber(p.iat)
    for k = 1, #p.limits do
      local limit = p.limits[k]
      limit[1] = KEYS[limit[1]]
      limit.windowMs = tonumber(limit[3])
    end
    if p.as then p.as, p.ah = KEYS[p.as], KEYS[p.ah] end
    profiles[indexText] = p
  end
  return p
end

-- Markers read this run, by key, until the script writes one: absent (an absolute marker no EXISTS counted) and
-- the value of a not-before marker (false: none). The batch's tokens share their agent's, scope's and environment's
-- markers; a new token's own jti and task markers are the only ones its decision reads.
local markersAbsent, notBeforeValues, markersReadAt = {}, {}, 0
local function forgetMarkersIfWritten()
  if markersReadAt ~= markerWrites then
    markersAbsent, notBeforeValues, markersReadAt = {}, {}, markerWrites
  end
end

local absoluteMarks = { 1, 2, 6, 7, 8 }
local notBeforeMarks = { 3, 4, 5 }

local function markersRefuse(p)
  forgetMarkersIfWritten()
  local marks = p.marks
  local unread, n = {}, 0
  for k = 1, 5 do
    local key = marks[absoluteMarks[k]]
    if not markersAbsent[key] then
      n = n + 1
      unread[n] = key
    end
  end
  if n > 0 then
    if redis.call('EXISTS', unpack(unread, 1, n)) > 0 then return true end
    for k = 1, n do markersAbsent[unread[k]] = true end
  end
  n = 0
  for k = 1, 3 do
    local key = marks[notBeforeMarks[k]]
    if notBeforeValues[key] == nil then
      n = n + 1
      unread[n] = key
    end
  end
  if n > 0 then
    local values = redis.call('MGET', unpack(unread, 1, n))
    for k = 1, n do notBeforeValues[unread[k]] = values[k] end
  end
  local issuedAt = p.iatMs
  for k = 1, 3 do
    local at = notBeforeValues[marks[notBeforeMarks[k]]]
    if at and tonumber(at) >= issuedAt then return true end
  end
  if p.anc and redis.call('EXISTS', unpack(p.anc)) > 0 then return true end
  if p.actm then
    local actors = redis.call('MGET', unpack(p.actm))
    for k = 1, #p.actm do
      local at = actors[k]
      if at and tonumber(at) >= issuedAt then return true end
    end
  end
  return false
end

local function revoked(p)
  if p.markersReadAt ~= markerWrites then
    p.refused, p.markersReadAt = markersRefuse(p), markerWrites
  end
  return p.refused
end

-- A counter as this batch sees it: its latest event (false: none), whether it held events before the batch, and
-- the events the batch adds to it, in time order; they are written after the last decision.
local counters = {}
local countersAdded = {}
local function counterOf(key)
  local counter = counters[key]
  if not counter then
    -- '-1' as text: a Lua number is formatted for Redis with %.14g on every call, which cost more than the read.
    local latest = redis.call('ZRANGE', key, '-1', '-1', 'WITHSCORES')[2]
    counter = { key = key, latest = latest and tonumber(latest) or false, stored = latest ~= nil, addedAt = {},
      adds = {} }
    counters[key] = counter
  end
  return counter
end

-- The counter's events at or after \`from\`: those it held before the batch (one ZCOUNT per window start, which
-- the batch does not change) and those the batch added.
local function eventsSince(counter, from)
  local count = 0
  if counter.stored then
    if counter.countedFrom ~= from then
      counter.countedFrom = from
      counter.storedCount = redis.call('ZCOUNT', counter.key, format('%d', from), '+inf')
    end
    count = counter.storedCount
  end
  local addedAt = counter.addedAt
  local first = 1
  if counter.addedFrom and from >= counter.addedFrom then first = counter.firstAddedSince end
  while addedAt[first] and addedAt[first] < from do first = first + 1 end
  counter.addedFrom, counter.firstAddedSince = from, first
  return count + #addedAt - first + 1
end

-- Returns allow, reason, exceeded, taskRevoked, held, and the time the windows were decided at (if they were).
local function decide(p, nowText, ev)
  if (not generation) or generation ~= p.gen then return 0, 'stale_generation', 0, 0 end
  if revoked(p) then return 0, 'revoked', 0, 0 end
  if p.deny ~= '' then return 0, p.deny, 0, 0 end

  local limits = p.limits
  if #limits == 0 then
    if p.hold ~= '' then return 0, p.hold, 0, 0, true end
    return 1, 'ok', 0, 0
  end
  -- One clock per counter: the decision is timed no earlier than the latest event of any counter it touches, so
  -- each counter's events are added in time order and a window is never trimmed past what a later-running
  -- decision with an earlier clock would still count.
  -- A counter with no event yet (a new task's, usually) counts nothing and has nothing to trim: neither is asked.
  local now = tonumber(nowText)
  for i = 1, #limits do
    local latest = counterOf(limits[i][1]).latest
    if latest and latest > now then now = latest end
  end
  local at = format('%d', now)
  local exceeded, revoking = 0, 0
  for i = 1, #limits do
    local limit = limits[i]
    local count = 0
    local counter = counters[limit[1]]
    if counter.latest then count = eventsSince(counter, now - limit.windowMs) end
    if count >= limit[2] then
      if exceeded == 0 then exceeded = i end
      if revoking == 0 and limit[4] == 'revoke_task' then revoking = i end
    end
  end
  if revoking > 0 then
    redis.call('SET', p.marks[2], at, 'PX', p.ttl)
    markerWrites = markerWrites + 1
    return 0, 'rate_limited', revoking, 1, false, at
  end
  if exceeded > 0 then return 0, 'rate_limited', exceeded, 0, false, at end
  if p.hold ~= '' then return 0, p.hold, 0, 0, true, at end

  for i = 1, #limits do
    local limit = limits[i]
    local counter = counters[limit[1]]
    local adds = counter.adds
    counter.addedAt[#counter.addedAt + 1] = now
    adds[#adds + 1] = at
    adds[#adds + 1] = ev
    if not counter.added then
      counter.added = true
      countersAdded[#countersAdded + 1] = counter
    end
    -- Only an allowed call trims, up to its own window: every later decision is timed at or after it.
    if counter.latest then
      local trimBelow = now - limit.windowMs
      if not counter.trimBelow or trimBelow > counter.trimBelow then counter.trimBelow = trimBelow end
    end
    counter.latest = now
    counter.expireMs = limit[3]
  end
  return 1, 'ok', 0, 0, false, at
end

local function writeCounters()
  for i = 1, #countersAdded do
    local counter = countersAdded[i]
    redis.call('ZADD', counter.key, unpack(counter.adds))
    if counter.trimBelow then
      redis.call('ZREMRANGEBYSCORE', counter.key, '-inf', '(' .. format('%d', counter.trimBelow))
    end
    redis.call('PEXPIRE', counter.key, counter.expireMs)
  end
end

local out = {}
local function decideAll()
  local n = 0
  for i = profileCount + 2, #ARGV, 5 do
    local p = profileAt(ARGV[i])
    local nowText = ARGV[i + 1]
    local allow, reason, exceeded, revokedTask, held, at = decide(p, nowText, ARGV[i + 2])
    if p.as and not (held and p.skip) then
      local limit = ''
      if exceeded > 0 then limit = p.limits[exceeded][5] end
      -- The record carries the time the windows were decided at; the caller wrote its own clock's.
      local time = nil
      if not at or at == nowText then time = ARGV[i + 3] end
      leash_audit_append_decided(p.as, p.ah, at or nowText, time, ARGV[i + 4], allow == 1 and 'allow' or 'deny',
        reason, limit)
    end
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = allow, reason, exceeded, revokedTask
    n = n + 4
  end
end
-- A command that fails part way (a key of the wrong type, no memory left) fails the whole batch, but what was
-- decided stays: the chains' heads must name the last record appended, and the counters hold the events of the
-- calls decided (and recorded) before, trimmed and expiring, before the error goes back. The error goes back as
-- Redis's own reply (error() would make READONLY "ERR user_script:1: READONLY", and a Sentinel client still on a
-- demoted primary reconnects on a reply that starts with READONLY).
local ok, failure = pcall(decideAll)
local countersOk, countersFailure = pcall(writeCounters)
leash_audit_write_heads()
if ok and not countersOk then ok, failure = false, countersFailure end
if not ok then return redis.error_reply(type(failure) == 'table' and failure.err or tostring(failure)) end
return out
`;

/** One decision's answer: allow 0|1, reason, exceeded limit (1-based, 0 = none), taskRevoked 0|1. */
export type EnforcementReply = [number, string, number, number];

/**
 * The script's arguments for a batch of decisions of one environment: the number of keys, the keys (the
 * environment's generation key first), the number of profiles, the profiles, then each decision's arguments.
 */
export function enforcementBatchArgs(env: string, checks: EnforcementCheck[]): string[] {
  const batch = new BatchProfiles(env);
  const decisions: string[] = [];
  let timeMs = Number.NaN;
  let time = "";
  for (const check of checks) {
    const index = batch.profileOf(check);
    const entry = check.audit?.entry;
    // Decisions of one batch were mostly taken in the same millisecond.
    if (entry && check.nowMs !== timeMs) {
      timeMs = check.nowMs;
      time = auditTime(timeMs);
    }
    decisions.push(
      String(index),
      String(check.nowMs),
      check.eventId,
      entry ? time : "",
      entry ? auditRecordBody(entry) : "",
    );
  }
  const { keys, profiles } = batch;
  return [String(keys.names.length), ...keys.names, String(profiles.length), ...profiles, ...decisions];
}

/**
 * A batch's profiles and keys. A new token (a task's first call) brings a profile of its own, so what it shares with
 * the batch's other tokens is worked out once per batch: the markers of its agent, scope and environment, its audit
 * chain. Only its own jti and task markers and its counters are new keys.
 */
class BatchProfiles {
  readonly keys: BatchKeys;
  readonly profiles: string[] = [];
  // The batch's checks that made a profile, by jti: a check of the same token with the same profile fields as one
  // of them shares its profile, made once.
  private readonly madeByJti = new Map<string, Array<{ check: EnforcementCheck; index: number }>>();
  /** Indexes of the six markers an agent's tokens under a scope share, by agent then scope. */
  private readonly sharedMarks = new Map<string, Map<string, number[]>>();
  /** Indexes of an audit chain's stream and head, by the entry's environment. */
  private readonly chains = new Map<string | undefined, [number, number]>();

  constructor(private readonly env: string) {
    this.keys = new BatchKeys(storeKeys.envGeneration(env));
  }

  /** The check's profile, 1-based as the decisions' arguments name it. */
  profileOf(check: EnforcementCheck): number {
    const made = this.madeByJti.get(check.jti);
    const found = made?.find((other) => sameProfile(other.check, check))?.index;
    if (found !== undefined) return found;
    const index = this.profiles.push(this.decisionProfile(check));
    if (made) made.push({ check, index });
    else this.madeByJti.set(check.jti, [{ check, index }]);
    return index;
  }

  /** What a decision shares with the other calls of its token and action, as the script's JSON profile. */
  private decisionProfile(check: EnforcementCheck): string {
    const { keys, env } = this;
    let audit: { as: number; ah: number; skip: boolean } | undefined;
    if (check.audit) {
      const [as, ah] = this.chainOf(check.audit);
      audit = { as, ah, skip: check.audit.skipWhenHeld };
    }
    // enforcementKeys order: the token's jti and task revocations, then the markers its agent and scope share.
    const marks = [
      keys.indexOf(storeKeys.revocation(env, { kind: "jti", value: check.jti })),
      keys.indexOf(storeKeys.revocation(env, { kind: "task", value: check.task })),
      ...this.sharedMarksOf(check.agent, check.scope),
    ];
    return JSON.stringify({
      gen: check.generation,
      marks,
      iat: String(check.issuedAtMs),
      ttl: String(wholeMs(check.taskRevocationTtlMs)),
      deny: check.denyReason ?? "",
      hold: check.holdReason ?? "",
      limits: check.limits.map((counter) => [
        keys.indexOf(storeKeys.limit(env, counter.key)),
        counter.max,
        String(wholeMs(counter.windowMs)),
        counter.onExceed,
        counter.key,
      ]),
      ...audit,
      ...(check.lineage ? lineageMarkers(env, check.lineage, keys) : {}),
    });
  }

  /** The agent, scope and environment revocation markers, then their lock markers (enforcementKeys' last six). */
  private sharedMarksOf(agent: string, scope: string): number[] {
    let byScope = this.sharedMarks.get(agent);
    if (!byScope) {
      byScope = new Map();
      this.sharedMarks.set(agent, byScope);
    }
    let marks = byScope.get(scope);
    if (!marks) {
      const { env, keys } = this;
      marks = [
        storeKeys.revocation(env, { kind: "agent", value: agent }),
        storeKeys.revocation(env, { kind: "scope", value: scope }),
        storeKeys.revocation(env, { kind: "environment", value: env }),
        storeKeys.envLock(env, { kind: "agent", value: agent }),
        storeKeys.envLock(env, { kind: "scope", value: scope }),
        storeKeys.envLock(env, { kind: "environment", value: env }),
      ].map((key) => keys.indexOf(key));
      byScope.set(scope, marks);
    }
    return marks;
  }

  private chainOf(draft: EnforcementAuditDraft): [number, number] {
    const environment = draft.entry.environment;
    let chain = this.chains.get(environment);
    if (!chain) {
      const [stream, head] = auditChainKeys(draft);
      chain = [this.keys.indexOf(stream), this.keys.indexOf(head)];
      this.chains.set(environment, chain);
    }
    return chain;
  }
}

/** Whether two checks of the same jti have the same profile (its markers and every field decisionProfile writes). */
function sameProfile(a: EnforcementCheck, b: EnforcementCheck): boolean {
  return (
    a.jti === b.jti &&
    a.task === b.task &&
    a.agent === b.agent &&
    a.scope === b.scope &&
    a.env === b.env &&
    a.generation === b.generation &&
    a.issuedAtMs === b.issuedAtMs &&
    a.taskRevocationTtlMs === b.taskRevocationTtlMs &&
    a.denyReason === b.denyReason &&
    a.holdReason === b.holdReason &&
    a.lineage === b.lineage &&
    sameLimits(a.limits, b.limits) &&
    (a.audit === undefined
      ? b.audit === undefined
      : b.audit !== undefined &&
        a.audit.skipWhenHeld === b.audit.skipWhenHeld &&
        a.audit.entry.environment === b.audit.entry.environment)
  );
}

function sameLimits(a: LimitCounter[], b: LimitCounter[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.key !== y.key || x.max !== y.max || x.windowMs !== y.windowMs || x.onExceed !== y.onExceed)
      return false;
  }
  return true;
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
 * last, for a check that only reads them (token-standing.ts): a token is introspected again and again, and building
 * eight key names is most of such a check's keys.
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
