// Approvals in Redis: JSON records replaced by compare-and-set (one Lua script), a pending index, bindings, TOTP steps.
import type { Approval } from "../approval-record.ts";
import type {
  ApprovalStore,
  ChallengeLimit,
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
import { defineScripts, type LeashScripts, scriptsOn } from "./scripts/registry.ts";

/** The record, the pending index, and the agent's and the task's pending sets: one slot (`{approvals}`). */
const approvalIndexKeys = (approval: Approval) => [
  approvalKeys.approval(approval.id),
  approvalKeys.pending,
  approvalKeys.pendingOfAgent(approval.agent),
  approvalKeys.pendingOfTask(approval.agent, approval.task),
];

const ms = (value: number) => Math.max(1, Math.ceil(value));

export class RedisApprovals implements ApprovalStore {
  private readonly commands: LeashScripts;

  /** Decisions (replace) and used TOTP steps are WAITed for when `replicationWait` asks for replicas. */
  constructor(
    private readonly client: RedisClient,
    private readonly replicationWait: ReplicationWait = NO_REPLICATION_WAIT,
  ) {
    this.commands = defineScripts(client);
  }

  create(approval: Approval, ttlMs: number, limit?: PendingApprovalLimit): Promise<PendingApprovalCreation> {
    return failClosed(async () => {
      const [created, full, pending, retryAfterMs] = await this.commands.leashCreateApproval(
        ...approvalIndexKeys(approval),
        JSON.stringify(approval),
        String(ms(ttlMs)),
        String(approval.createdAt),
        approval.id,
        String(approval.expiresAt),
        String(limit?.nowMs ?? approval.createdAt),
        String(limit?.perTask ?? 0),
        String(limit?.perAgent ?? 0),
      );
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
        scriptsOn(pipeline).leashReplaceApproval(
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
      await this.commands.leashDeleteIfValue(approvalKeys.binding(binding), id);
    });
  }

  claimTotpStep(humanId: string, step: number, ttlMs: number): Promise<boolean> {
    return failClosed(async () => {
      // Waited for like a decision: a used code forgotten in a failover could be replayed.
      const [claimed] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        scriptsOn(pipeline).leashClaimTotpStep(
          approvalKeys.totpLastStep(humanId),
          String(step),
          String(ms(ttlMs)),
        ),
      );
      return claimed === 1;
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

  saveChallenge(
    humanId: string,
    challenge: string,
    record: string,
    ttlMs: number,
    limit: ChallengeLimit,
  ): Promise<{ saved: true } | { saved: false; retryAfterMs: number }> {
    return failClosed(async () => {
      // A fixed window: the first challenge of a window starts its expiry, later ones only count.
      const countKey = approvalKeys.challengesIssued(humanId);
      const replies = await this.client
        .multi()
        .incr(countKey)
        .pexpire(countKey, ms(limit.windowMs), "NX")
        .pttl(countKey)
        .exec();
      const issued = Number(replies?.[0]?.[1]);
      const left = Number(replies?.[2]?.[1]);
      if (!Number.isFinite(issued)) throw new Error("the challenge count could not be read");
      if (issued > limit.max) return { saved: false, retryAfterMs: left > 0 ? left : ms(limit.windowMs) };
      await this.client.set(approvalKeys.challenge(humanId, challenge), record, "PX", ms(ttlMs));
      return { saved: true };
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
      const [charged, left] = await this.commands.leashBeginTotpAttempt(
        approvalKeys.totpAttempts(humanId),
        approvalKeys.totpLock(humanId),
        String(limit.maxFailures),
        String(ms(limit.windowMs)),
      );
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
        scriptsOn(pipeline).leashEndTotpAttempt(
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
