// Approvals in Redis: JSON records replaced by compare-and-set (one Lua script), a pending index, bindings, TOTP steps.
import type { Approval } from "../approval-record.ts";
import type {
  ApprovalStore,
  PendingApprovalCreation,
  PendingApprovalLimit,
  TotpAttemptEnd,
  TotpAttemptLimit,
  TotpAttemptStart,
} from "../approvals.ts";
import { failClosed } from "./fail-closed.ts";
import { approvalKeys } from "./keys.ts";
import type { RedisClient } from "./redis-client.ts";
import { execReplicated, NO_REPLICATION_WAIT, type ReplicationWait } from "./replicated-write.ts";
import { DELETE_IF_VALUE_LUA } from "./scripts.ts";

/**
 * KEYS: approval, pending index, the agent's pending, the task's pending. ARGV: expected version, new JSON, new
 * status, id. Keeps the record's TTL.
 */
const REPLACE_IF_VERSION_LUA = `
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
const CREATE_WITHIN_LIMIT_LUA = `
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

/** KEYS: attempts, lock. ARGV: max failures, window ms. Returns {1, 0} when charged, {0, ms left} when refused. */
const BEGIN_TOTP_ATTEMPT_LUA = `
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
const END_TOTP_ATTEMPT_LUA = `
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

/** The record, the pending index, and the agent's and the task's pending sets: one slot (`{approvals}`). */
const approvalIndexKeys = (approval: Approval) => [
  approvalKeys.approval(approval.id),
  approvalKeys.pending,
  approvalKeys.pendingOfAgent(approval.agent),
  approvalKeys.pendingOfTask(approval.agent, approval.task),
];

const ms = (value: number) => Math.max(1, Math.ceil(value));

export class RedisApprovals implements ApprovalStore {
  /** Decisions (replace) and used TOTP steps are WAITed for when `replicationWait` asks for replicas. */
  constructor(
    private readonly client: RedisClient,
    private readonly replicationWait: ReplicationWait = NO_REPLICATION_WAIT,
  ) {}

  create(approval: Approval, ttlMs: number, limit?: PendingApprovalLimit): Promise<PendingApprovalCreation> {
    return failClosed(async () => {
      const [created, full, pending, retryAfterMs] = (await this.client.eval(
        CREATE_WITHIN_LIMIT_LUA,
        4,
        ...approvalIndexKeys(approval),
        JSON.stringify(approval),
        String(ms(ttlMs)),
        String(approval.createdAt),
        approval.id,
        String(approval.expiresAt),
        String(limit?.nowMs ?? approval.createdAt),
        String(limit?.perTask ?? 0),
        String(limit?.perAgent ?? 0),
      )) as [number, "task" | "agent", number, number];
      if (created === -1) throw new Error(`approval ${approval.id} exists`);
      return created === 1 ? { created: true } : { created: false, full, pending, retryAfterMs };
    });
  }

  get(id: string): Promise<Approval | null> {
    return failClosed(async () => {
      const json = await this.client.get(approvalKeys.approval(id));
      return json === null ? null : (JSON.parse(json) as Approval);
    });
  }

  replace(next: Approval): Promise<boolean> {
    return failClosed(async () => {
      const [replaced] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        pipeline.eval(
          REPLACE_IF_VERSION_LUA,
          4,
          ...approvalIndexKeys(next),
          String(next.version - 1),
          JSON.stringify(next),
          next.status,
          next.id,
        ),
      );
      return replaced === 1;
    });
  }

  pendingIds(): Promise<string[]> {
    return failClosed(() => this.client.zrange(approvalKeys.pending, 0, -1));
  }

  dropPending(id: string): Promise<void> {
    return failClosed(async () => {
      await this.client.zrem(approvalKeys.pending, id);
    });
  }

  bindOnce(binding: string, id: string, ttlMs: number): Promise<string> {
    return failClosed(async () => {
      const key = approvalKeys.binding(binding);
      const previous = await this.client.set(key, id, "PX", ms(ttlMs), "NX", "GET");
      return previous ?? id;
    });
  }

  unbind(binding: string, id: string): Promise<void> {
    return failClosed(async () => {
      // Only if the binding still points at this approval.
      await this.client.eval(DELETE_IF_VALUE_LUA, 1, approvalKeys.binding(binding), id);
    });
  }

  claimTotpStep(humanId: string, step: number, ttlMs: number): Promise<boolean> {
    return failClosed(async () => {
      // Waited for like a decision: a used code forgotten in a failover could be replayed.
      const [claimed] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        pipeline.set(approvalKeys.totpStep(humanId, step), "1", "PX", ms(ttlMs), "NX"),
      );
      return claimed === "OK";
    });
  }

  claimEnrolment(tokenHash: string, ttlMs: number): Promise<boolean> {
    return failClosed(async () => {
      const [claimed] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        pipeline.set(approvalKeys.enrolmentUsed(tokenHash), "1", "PX", ms(ttlMs), "NX"),
      );
      return claimed === "OK";
    });
  }

  saveChallenge(humanId: string, challenge: string, record: string, ttlMs: number): Promise<void> {
    return failClosed(async () => {
      await this.client.set(approvalKeys.challenge(humanId, challenge), record, "PX", ms(ttlMs));
    });
  }

  takeChallenge(humanId: string, challenge: string): Promise<string | null> {
    return failClosed(async () => {
      // GETDEL: of two answers racing with one challenge, one reads the record and the other nothing.
      const [record] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        pipeline.getdel(approvalKeys.challenge(humanId, challenge)),
      );
      return record === null || record === undefined ? null : String(record);
    });
  }

  beginTotpAttempt(humanId: string, limit: TotpAttemptLimit): Promise<TotpAttemptStart> {
    return failClosed(async () => {
      const [charged, left] = (await this.client.eval(
        BEGIN_TOTP_ATTEMPT_LUA,
        2,
        approvalKeys.totpAttempts(humanId),
        approvalKeys.totpLock(humanId),
        String(limit.maxFailures),
        String(ms(limit.windowMs)),
      )) as [number, number];
      return charged === 1 ? { allowed: true } : { allowed: false, retryAfterMs: left };
    });
  }

  endTotpAttempt(
    humanId: string,
    outcome: "accepted" | "failed",
    limit: TotpAttemptLimit,
  ): Promise<TotpAttemptEnd> {
    return failClosed(async () => {
      // Waited for like a decision: a lock forgotten in a failover would hand the attacker a fresh window.
      const [reply] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        pipeline.eval(
          END_TOTP_ATTEMPT_LUA,
          2,
          approvalKeys.totpAttempts(humanId),
          approvalKeys.totpLock(humanId),
          outcome,
          String(limit.maxFailures),
          String(ms(limit.windowMs)),
        ),
      );
      const [failures, locked, lockedNow, left] = reply as [number, number, number, number];
      return { failures, locked: locked === 1, lockedNow: lockedNow === 1, retryAfterMs: left };
    });
  }
}
